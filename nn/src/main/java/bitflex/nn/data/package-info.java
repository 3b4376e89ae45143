/** IDX files, in-memory data sets, a seeded mini-batch loader, normalisation, class subsets, and the Fashion-MNIST locator. */
package bitflex.nn.data;
