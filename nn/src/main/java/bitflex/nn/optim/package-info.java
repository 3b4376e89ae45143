/** Optimizers (SGD with momentum/Nesterov/weight decay, Adam, AdamW) with checkpointable state, and learning-rate schedules. */
package bitflex.nn.optim;
