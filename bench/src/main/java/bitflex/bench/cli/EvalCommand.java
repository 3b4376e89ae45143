package bitflex.bench.cli;

import bitflex.engine.parallel.Parallel;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.checkpoint.CheckpointIO;
import bitflex.nn.data.FashionMnist;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.train.EvalResult;
import bitflex.nn.train.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitflex eval}: test accuracy of a checkpointed model. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a checkpoint written by 'bitflex train --checkpoint' on the Fashion-MNIST test set.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "the checkpoint file")
    Path checkpoint;
    @Option(names = "--data", description = "directory with the Fashion-MNIST IDX files")
    Path data;
    @Option(names = "--threads", description = "worker threads (default: all cores)")
    Integer threads;
    @Option(names = "--json", description = "write the result as one JSON object to this file")
    Path json;

    @Override
    public Integer call() throws Exception {
        Checkpoint c = CheckpointIO.read(checkpoint);
        if (!c.has("meta.model")) {
            throw new IllegalArgumentException(checkpoint + ": the checkpoint does not say which model it holds (no meta.model)");
        }
        Parallel.setThreads(threads != null ? threads : Runtime.getRuntime().availableProcessors());
        String name = c.string("meta.model");
        Module model = Models.create(name, 0);
        if (c.has("meta.mode") && c.string("meta.mode").equals("integer")) {
            // The weights live as integers in the integer mode's listener state; the policy only has to
            // register the layers (the saved formats replace the ones it gives).
            var it = new bitflex.precision.integer.IntegerTraining(model,
                    bitflex.precision.training.Policies.create("static", 8, model),
                    bitflex.precision.integer.IntegerOptions.defaults(0));
            it.loadWeights(c.withPrefix("listener." + it.stateName() + "."));
            model = it.model();
        }
        model.loadStateDict(c.withPrefix("model."));
        FashionMnist.Splits d = FashionMnist.load(data);
        if (d.note() != null) {
            System.out.println(d.note());
        }
        EvalResult r = Trainer.evaluate(model, new CrossEntropyLoss(), d.test(), 1000);
        long epochs = c.has("trainer.epoch") ? c.getLong("trainer.epoch") : -1;
        System.out.printf("%s (%s%s): test accuracy %.2f%%, loss %.4f on %,d images%n", checkpoint, name,
                epochs >= 0 ? ", " + epochs + " epoch" + (epochs == 1 ? "" : "s") + " trained" : "", 100 * r.accuracy(), r.loss(),
                r.samples());
        if (json != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("checkpoint", checkpoint.toString());
            m.put("model", name);
            m.put("test_acc", r.accuracy());
            m.put("test_loss", r.loss());
            m.put("samples", r.samples());
            m.put("data", d.source());
            JsonFiles.write(json, m);
        }
        return 0;
    }
}
