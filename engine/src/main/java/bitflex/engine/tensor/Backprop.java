package bitflex.engine.tensor;

import bitflex.engine.autograd.Derivatives;
import bitflex.engine.autograd.NoGrad;
import bitflex.engine.autograd.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Reverse-mode driver: a depth-first post-order over the recorded graph (inputs visited in their
 * declared order, so the order is a pure function of the graph), then derivative rules from
 * {@link Derivatives} in reverse, with gradients of shared tensors summed in that fixed order.
 */
final class Backprop {
    private Backprop() {}

    @SuppressWarnings("try") // the scope only switches grad mode off
    static void run(Tensor root, Tensor upstream) {
        ArrayList<Tensor> order = topologicalOrder(root);
        IdentityHashMap<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, upstream);
        try (NoGrad ignored = new NoGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = grads.remove(t);
                if (g == null) {
                    continue;
                }
                Op op = t.gradFn;
                if (op != null && t.retainGrad) {
                    t.accumulateGrad(g);
                }
                if (op == null) {
                    t.accumulateGrad(g);
                    continue;
                }
                Tensor[] inputs = op.inputs();
                Tensor[] ins = Derivatives.backward(op, g);
                for (int j = 0; j < inputs.length; j++) {
                    Tensor in = inputs[j];
                    Tensor gi = ins[j];
                    if (in == null || !in.requiresGrad() || gi == null) {
                        continue;
                    }
                    if (!Arrays.equals(gi.shape, in.shape)) {
                        throw new IllegalStateException("backward of " + op.getClass().getSimpleName() + ": gradient shape "
                                + Shapes.str(gi.shape) + " for input of shape " + Shapes.str(in.shape));
                    }
                    Tensor prev = grads.get(in);
                    grads.put(in, prev == null ? gi : prev.add(gi));
                }
            }
        }
    }

    private static ArrayList<Tensor> topologicalOrder(Tensor root) {
        ArrayList<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayList<Tensor> stack = new ArrayList<>();
        ArrayList<Tensor[]> inputsStack = new ArrayList<>();
        int[] next = new int[16];
        visited.add(root);
        stack.add(root);
        inputsStack.add(root.gradFn == null ? new Tensor[0] : root.gradFn.inputs());
        while (!stack.isEmpty()) {
            int top = stack.size() - 1;
            Tensor[] ins = inputsStack.get(top);
            if (next[top] < ins.length) {
                Tensor c = ins[next[top]++];
                if (c != null && c.requiresGrad() && visited.add(c)) {
                    if (stack.size() == next.length) {
                        next = Arrays.copyOf(next, next.length * 2);
                    }
                    next[stack.size()] = 0;
                    stack.add(c);
                    inputsStack.add(c.gradFn == null ? new Tensor[0] : c.gradFn.inputs());
                }
            } else {
                order.add(stack.remove(top));
                inputsStack.remove(top);
            }
        }
        return order;
    }
}
