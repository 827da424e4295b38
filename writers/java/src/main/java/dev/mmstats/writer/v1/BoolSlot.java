package dev.mmstats.writer.v1;

import java.nio.ByteBuffer;

/** A boolean byte (?): 01 for true, 00 for false. */
public final class BoolSlot extends Slot {
    private boolean value;

    BoolSlot(ByteBuffer map, Layout.Placed placed) {
        super(map, placed);
    }

    public void set(boolean v) {
        putBits(beginStore(), v ? 1 : 0);
        endStore();
        value = v;
    }

    public boolean get() {
        return value;
    }
}
