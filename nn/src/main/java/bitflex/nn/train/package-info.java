/** The training loop: {@link bitflex.nn.train.Trainer}, its metrics, progress output and listener hooks. */
package bitflex.nn.train;
