/**
 * What a stream id may be.
 *
 * @module
 */

/** Stream ids: short, URL-safe, no surprises in paths or logs. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
