/**
 * Accounting for memory that lives outside tensors and workspaces: the kernels' per-thread scratch
 * buffers ({@link bitflex.engine.memory.ScratchMemory}).
 */
package bitflex.engine.memory;
