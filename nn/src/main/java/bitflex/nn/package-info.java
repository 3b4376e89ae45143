/**
 * Neural-network library on the engine's tensors: {@link bitflex.nn.Module} (parameters, buffers,
 * train/eval mode, PyTorch-style state dicts, forward hooks) and the packages below it: layers and
 * losses, initialisers, optimizers and schedules, data sets and loaders, the model zoo, the trainer
 * with its listener hooks, and checkpoints.
 */
package bitflex.nn;
