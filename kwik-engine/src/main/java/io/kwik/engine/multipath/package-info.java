/**
 * What one end knows of a session's paths: the directory of paths and their status, path
 * events, and the multi-path helpers that hang off it (delegations, receipts, raw relays).
 */
package io.kwik.engine.multipath;
