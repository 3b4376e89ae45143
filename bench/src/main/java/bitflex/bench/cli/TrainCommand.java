package bitflex.bench.cli;

import bitflex.nn.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bitflex train}: trains a model from the zoo on Fashion-MNIST and prints test accuracy. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on Fashion-MNIST and print its test accuracy.",
            "With no options: lenet5, one epoch, batch 64, SGD lr 0.05 momentum 0.9."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", description = "mlp, lenet5, resnet20 or alexnet (default: lenet5)")
    String model;
    @Option(names = "--epochs", description = "total epochs (default: 1)")
    Integer epochs;
    @Option(names = "--batch", description = "mini-batch size (default: 64)")
    Integer batch;
    @Option(names = "--lr", description = "learning rate (default: 0.05 for sgd, 0.001 for adam)")
    Double lr;
    @Option(names = "--momentum", description = "SGD momentum (default: 0.9)")
    Double momentum;
    @Option(names = "--optimizer", description = "sgd or adam (default: sgd)")
    String optimizer;
    @Option(names = "--seed", description = "seed for initialisation and shuffling (default: 42)")
    Long seed;
    @Option(names = "--threads", description = "worker threads (default: all cores)")
    Integer threads;
    @Option(names = "--data", description = "directory with the Fashion-MNIST IDX files (default: "
            + bitflex.nn.data.FashionMnist.SYSTEM_DIR + ", else the bundled subset)")
    Path data;
    @Option(names = "--checkpoint", description = "write a checkpoint here after every epoch")
    Path checkpoint;
    @Option(names = "--resume", description = "continue the run saved in this checkpoint")
    Path resume;
    @Option(names = "--json", description = "write the results as one JSON object to this file")
    Path json;
    @Option(names = "--schedule", description = "learning-rate schedule over the run: none, cosine (to 0) or step (x0.1 at 1/3 and 2/3) (default: none)")
    String schedule;
    @Option(names = "--mode", description = "float32, fake-quant (float32 master, weights fake-quantized per layer) or "
            + "integer (weights only as integers, integer forward and backward kernels, stochastic-rounding updates) "
            + "(default: float32; on --resume: the checkpoint's)")
    String mode;
    @Option(names = "--policy", description = "precision policy: static, adapt or rct (default: adapt for fake-quant, "
            + "rct for integer)")
    String policy;
    @Option(names = "--bits", description = "static: word length of every weight (FL from its range); rct: initial "
            + "bitwidth in [4, 16]; adapt starts at WL 8 FL 4 (default: 8)")
    Integer bits;
    @Option(names = "--grad-bits", description = "fake-quant: quantize weight gradients to this word length, FL from "
            + "each step's range; 0 keeps them float32 (default: 0). integer: word length of the output gradients "
            + "entering the backward GEMMs, stochastic rounding, in [2, 16] (default: 8)")
    Integer gradBits;
    @Option(names = "--act-bits", description = "integer: word length of the activations entering each GEMM or "
            + "convolution, FL from each batch's range, in [2, 16] (default: 8)")
    Integer actBits;
    @Option(names = "--lambda1", description = "fake-quant and integer: L1 penalty weight; lambda1 * sign(w) is added to the weight gradients (default: 0)")
    Double lambda1;
    @Option(names = "--report", description = "write report.json, report.md and PNG charts (formats, ledger, memory, "
            + "density, against the FP32 and QAT baselines) into this directory, created if missing")
    Path report;
    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();
    @Option(names = "--train-size", description = "train on the first N training images only (default: all)")
    Integer trainSize;

    @Override
    public Integer call() throws Exception {
        Checkpoint saved = resume == null ? null : Training.readCheckpoint(resume);
        String m = pick("--model", model, saved, "model", "lenet5");
        String opt = pick("--optimizer", optimizer, saved, "optimizer", "sgd");
        double lrV = Double.parseDouble(pick("--lr", lr == null ? null : lr.toString(), saved, "lr",
                opt.equals("adam") ? "0.001" : "0.05"));
        double mom = Double.parseDouble(pick("--momentum", momentum == null ? null : momentum.toString(), saved, "momentum", "0.9"));
        long sd = Long.parseLong(pick("--seed", seed == null ? null : seed.toString(), saved, "seed", "42"));
        int bs = Integer.parseInt(pick("--batch", batch == null ? null : batch.toString(), saved, "batch", "64"));
        String sch = pick("--schedule", schedule, saved, "schedule", "none");
        if (!java.util.List.of("none", "cosine", "step").contains(sch)) {
            throw new IllegalArgumentException("--schedule must be none, cosine or step, got '" + sch + "'");
        }
        int ep = epochs != null ? epochs : saved != null ? (int) saved.getLong("trainer.epochs") : 1;
        int th = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (ep < 1 || bs < 1) {
            throw new IllegalArgumentException("--epochs and --batch must be >= 1, got " + ep + " and " + bs);
        }
        if (!bitflex.nn.models.Models.NAMES.contains(m)) {
            throw new IllegalArgumentException("--model: unknown model '" + m + "'; choose one of " + String.join(", ",
                    bitflex.nn.models.Models.NAMES));
        }
        if (data != null && !java.nio.file.Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + ": no such directory");
        }
        if (!opt.equals("sgd") && !opt.equals("adam")) {
            throw new IllegalArgumentException("--optimizer must be sgd or adam, got '" + opt + "'");
        }
        String ts = pick("--train-size", trainSize == null ? null : trainSize.toString(), saved, "train_size", "all");
        Integer trainSize = ts.equals("all") ? null : Integer.valueOf(ts);
        if (trainSize != null && trainSize < 1) {
            throw new IllegalArgumentException("--train-size must be >= 1, got " + trainSize);
        }
        String md = pick("--mode", mode == null ? null : mode.toLowerCase(java.util.Locale.ROOT), saved, "mode", "float32");
        if (!md.equals("float32") && !md.equals("fake-quant") && !md.equals("integer")) {
            throw new IllegalArgumentException("--mode must be float32, fake-quant or integer, got '" + md + "'");
        }
        boolean integer = md.equals("integer");
        boolean fq = !md.equals("float32"); // a quantized mode, driven by a policy
        if (!fq && (policy != null || bits != null || gradBits != null || lambda1 != null || policyOptions.anyAdapt()
                || policyOptions.anyRct())) {
            throw new IllegalArgumentException("--policy, --bits, --grad-bits, --lambda1, --adapt-* and --rct-* need --mode "
                    + "fake-quant or integer");
        }
        if (!integer && actBits != null) {
            throw new IllegalArgumentException("--act-bits needs --mode integer");
        }
        if (integer) {
            IntegerCli.check(opt);
        }
        String pol = fq ? pick("--policy", policy == null ? null : policy.toLowerCase(java.util.Locale.ROOT), saved, "policy",
                integer ? "rct" : "adapt") : null;
        if (fq && !bitflex.precision.training.Policies.NAMES.contains(pol)) {
            throw new IllegalArgumentException("--policy must be one of " + String.join(", ",
                    bitflex.precision.training.Policies.NAMES) + ", got '" + policy + "'");
        }
        if ("adapt".equals(pol) && bits != null) {
            throw new IllegalArgumentException("--bits does not apply to --policy adapt, which starts every layer at WL 8, FL 4"
                    + " and chooses its own word lengths");
        }
        if (momentum != null && !opt.equals("sgd")) {
            throw new IllegalArgumentException("--momentum applies to --optimizer sgd only, not " + opt);
        }
        if (saved != null) {
            policyOptions.resumeFrom(saved);
        }
        if (!"adapt".equals(pol) && policyOptions.anyAdapt()) {
            throw new IllegalArgumentException("the --adapt-* options apply to --policy adapt, not " + pol);
        }
        if (!"rct".equals(pol) && policyOptions.anyRct()) {
            throw new IllegalArgumentException("the --rct-* options apply to --policy rct, not " + pol);
        }
        int bitsV = Integer.parseInt(pick("--bits", bits == null ? null : bits.toString(), saved, "bits", "8"));
        int gradV = Integer.parseInt(pick("--grad-bits", gradBits == null ? null : gradBits.toString(), saved, "grad_bits",
                integer ? "8" : "0"));
        double l1 = Double.parseDouble(pick("--lambda1", lambda1 == null ? null : lambda1.toString(), saved, "lambda1", "0"));
        if (!(l1 >= 0) || Double.isInfinite(l1)) {
            throw new IllegalArgumentException("--lambda1 must be finite and >= 0, got " + l1);
        }
        var adaptParams = policyOptions.adapt();
        var rctParams = "rct".equals(pol) ? policyOptions.rct(bitsV) : bitflex.precision.rct.RctParameters.defaults();
        java.util.Map<String, String> optMeta = new java.util.LinkedHashMap<>();
        if (pol != null) {
            policyOptions.given(pol).forEach((k, v) -> optMeta.put("opt." + k, v));
        }
        var s = new Training.Settings(m, ep, bs, lrV, mom, opt, sd, th, data, checkpoint, trainSize, sch, md, pol,
                bitsV, gradV, l1, report, adaptParams, rctParams, optMeta,
                Integer.parseInt(pick("--act-bits", actBits == null ? null : actBits.toString(), saved, "act_bits", "8")));
        if (report != null) {
            bitflex.bench.report.ReportWriter.prepare(report);
        }
        System.out.printf("training %s for %d epoch%s (batch %d, %s lr %s%s%s, seed %d, %d thread%s)%n", m, ep, ep == 1 ? "" : "s",
                bs, opt, lrV, opt.equals("sgd") ? " momentum " + mom : "", sch.equals("none") ? "" : ", " + sch + " schedule", sd, th,
                th == 1 ? "" : "s");
        if (fq) {
            System.out.printf("mode %s, policy %s%s%s%s%n", md, pol, pol.equals("adapt") ? "" : ", bits " + s.bits(),
                    (s.gradientBits() == 0 ? "" : ", gradient bits " + s.gradientBits())
                            + (integer ? ", activation bits " + s.activationBits() : ""), l1 == 0 ? "" : ", lambda1 " + l1);
        }
        Training.Outcome o = Training.run(s, saved, System.out, true);
        System.out.printf("test accuracy: %.2f%%  (%,.0f samples/s, %.1f s training)%n", 100 * o.testAccuracy(),
                o.result().samplesPerSecond(), o.result().trainSeconds());
        if (o.quant() != null) {
            Training.printLayers(o.quant(), System.out);
        }
        if (report != null) {
            o.writeReport(report);
            System.out.println("report: " + report.resolve(bitflex.bench.report.ReportWriter.MARKDOWN_FILE));
        }
        if (checkpoint != null) {
            System.out.println("checkpoint: " + checkpoint);
        }
        if (json != null) {
            JsonFiles.write(json, o.json());
        }
        return 0;
    }

    /** The option's value; on resume it must agree with the checkpoint, which otherwise supplies it. */
    private static String pick(String option, String given, Checkpoint saved, String key, String dflt) {
        String stored = saved != null && saved.has("meta." + key) ? saved.string("meta." + key) : null;
        if (given != null && stored != null && !sameValue(given, stored)) {
            throw new IllegalArgumentException(option + " " + given + " differs from the checkpoint's " + stored
                    + "; a resumed run keeps its settings");
        }
        return given != null ? given : stored != null ? stored : dflt;
    }

    private static boolean sameValue(String a, String b) {
        try {
            return Double.parseDouble(a) == Double.parseDouble(b);
        } catch (NumberFormatException e) {
            return a.equalsIgnoreCase(b);
        }
    }
}
