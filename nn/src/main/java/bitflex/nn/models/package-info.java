/** The model zoo: mlp, lenet5, resnet20 and a small alexnet, for Fashion-MNIST by default. */
package bitflex.nn.models;
