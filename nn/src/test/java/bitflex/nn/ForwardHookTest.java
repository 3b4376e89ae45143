package bitflex.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.layers.Linear;
import bitflex.nn.layers.ReLU;
import bitflex.nn.layers.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardHookTest {
    @Test
    void hooksSeeEveryChildAndCanReplaceInputsAndOutputs() {
        Linear a = new Linear(3, 4, 1);
        ReLU r = new ReLU();
        Linear b = new Linear(4, 2, 2);
        Sequential net = new Sequential(a, r, b);
        Tensor x = Tensor.of(new float[] {1, -2, 3}, 1, 3);
        float[] plain = net.apply(x).toArray();

        List<String> seen = new ArrayList<>();
        ForwardHook log = new ForwardHook() {
            @Override
            public Tensor beforeForward(Module m, Tensor in) {
                seen.add("before " + m.getClass().getSimpleName());
                return in;
            }

            @Override
            public Tensor afterForward(Module m, Tensor in, Tensor out) {
                seen.add("after " + m.getClass().getSimpleName());
                return out;
            }
        };
        Runnable r1 = a.addForwardHook(log);
        Runnable r2 = b.addForwardHook(log);
        assertArrayEquals(plain, net.apply(x).toArray());
        assertEquals(List.of("before Linear", "after Linear", "before Linear", "after Linear"), seen);

        // A hook that zeroes the ReLU's output makes the net output b's bias.
        Runnable r3 = r.addForwardHook(new ForwardHook() {
            @Override
            public Tensor afterForward(Module m, Tensor in, Tensor out) {
                return out.mulScalar(0f);
            }
        });
        assertArrayEquals(b.bias().toArray(), net.apply(x).toArray());
        r1.run();
        r2.run();
        r3.run();
        seen.clear();
        assertArrayEquals(plain, net.apply(x).toArray());
        assertEquals(List.of(), seen);
    }
}
