/**
 * Impairment tools: a UDP proxy on loopback that drops, delays or blackholes datagrams in
 * front of any backend's server.
 *
 * @since 0.1
 */
package io.kwik.tck.impair;
