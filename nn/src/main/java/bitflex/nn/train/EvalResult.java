package bitflex.nn.train;

/**
 * Loss and accuracy of a model on a data set.
 *
 * @param loss     mean loss per sample
 * @param accuracy fraction classified right
 * @param samples  samples evaluated
 * @param seconds  wall time
 */
public record EvalResult(double loss, double accuracy, long samples, double seconds) {}
