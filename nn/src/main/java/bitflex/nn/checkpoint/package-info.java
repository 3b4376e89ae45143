/** Versioned, checksummed, atomically written checkpoint files of named arrays and strings. */
package bitflex.nn.checkpoint;
