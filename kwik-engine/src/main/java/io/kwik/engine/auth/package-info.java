/** Authentication of secondary paths: signed join tokens. */
package io.kwik.engine.auth;
