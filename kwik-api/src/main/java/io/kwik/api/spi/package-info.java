/**
 * How {@link io.kwik.api.Kwik} finds the engine. Applications never use this package; an
 * engine implements {@link io.kwik.api.spi.KwikProvider}.
 *
 * @since 0.1
 */
package io.kwik.api.spi;
