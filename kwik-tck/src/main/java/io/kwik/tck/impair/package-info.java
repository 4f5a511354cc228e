/**
 * Impairment tools: a UDP proxy on loopback that drops, delays or blackholes datagrams in
 * front of any backend's server.
 */
package io.kwik.tck.impair;
