/**
 * The autograd tape: {@link bitflex.engine.autograd.Op} (one sealed record per primitive, holding its
 * inputs and saved state), {@link bitflex.engine.autograd.Derivatives} (every derivative rule, in one
 * exhaustive switch), grad mode and {@link bitflex.engine.autograd.NoGrad} scopes, and
 * {@link bitflex.engine.autograd.GradCheck} for testing rules against finite differences.
 */
package bitflex.engine.autograd;
