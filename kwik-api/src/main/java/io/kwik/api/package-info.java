/**
 * KWIK's public API. Start at {@link io.kwik.api.Kwik}: {@link io.kwik.api.Kwik#dial} on
 * the client, {@link io.kwik.api.Kwik#listen} on a server.
 *
 * <p>Errors are checked: {@link io.kwik.api.KwikException} is an {@link java.io.IOException}
 * that carries an {@link io.kwik.api.ErrorCode}.
 *
 * @since 0.1
 */
package io.kwik.api;
