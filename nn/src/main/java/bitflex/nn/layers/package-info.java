/** Layers ({@code Linear}, {@code Conv2d}, pooling, {@code BatchNorm2d}, {@code Dropout}, containers, a residual block) and losses, on the engine's fused ops. */
package bitflex.nn.layers;
