package bitflex.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns bad options and user errors into one line on stderr and a non-zero exit, never a stack
 * trace. Set {@code BITFLEX_DEBUG=1} to see the trace of an unexpected failure.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int USAGE = 2;
    static final int FAILED = 1;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        cmd.getErr().println("bitflex: " + ex.getMessage());
        cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        if (System.getenv("BITFLEX_DEBUG") != null) {
            ex.printStackTrace(cmd.getErr());
        }
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        boolean userError = ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                || ex instanceof IllegalStateException;
        cmd.getErr().println("bitflex: " + (userError ? "" : ex.getClass().getSimpleName() + ": ") + msg);
        return userError ? USAGE : FAILED;
    }
}
