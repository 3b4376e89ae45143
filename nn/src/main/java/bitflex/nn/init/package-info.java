/** Seeded weight initialisers (Kaiming, Xavier, PyTorch's default) with PyTorch's fan conventions. */
package bitflex.nn.init;
