/**
 * How {@link io.kwik.api.Kwik} finds the engine. Applications never use this package; an
 * engine implements {@link io.kwik.api.spi.KwikProvider}.
 */
package io.kwik.api.spi;
