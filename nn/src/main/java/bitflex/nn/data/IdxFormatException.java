package bitflex.nn.data;

import java.io.IOException;

/** An IDX file that cannot be read: the message names the file and what is wrong with it. */
public final class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public IdxFormatException(String file, String problem) {
        super(file + ": " + problem);
    }

    public IdxFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
