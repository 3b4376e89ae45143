package bitflex.nn.optim;

import bitflex.engine.tensor.Tensor;
import java.util.List;

/** Adam with decoupled weight decay ({@code torch.optim.AdamW}); see {@link Adam} for the update. */
public final class AdamW extends Adam {
    /** AdamW with betas (0.9, 0.999), eps 1e-8 and weight decay 0.01 (PyTorch's defaults). */
    public AdamW(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }

    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr, beta1, beta2, eps, weightDecay, true);
    }
}
