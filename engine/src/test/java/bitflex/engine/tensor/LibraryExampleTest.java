package bitflex.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The README's library example, kept compiling and correct. */
class LibraryExampleTest {
    @Test
    void multiplyAndBackpropagate() {
        // README example: start
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2).requiresGrad(true);
        Tensor loss = a.matmul(b).relu().sum();   // sum(relu(a @ b))
        loss.backward();
        float[] gradA = a.grad().toArray();       // d loss / d a = ones(2, 2) @ b^T
        // README example: end
        assertEquals(4 + 5 + 10 + 11, loss.item(), 0f);
        assertArrayEquals(new float[] {1, 1, 2, 1, 1, 2}, gradA, 0f);
        assertArrayEquals(new float[] {5, 5, 7, 7, 9, 9}, b.grad().toArray(), 0f);
    }
}
