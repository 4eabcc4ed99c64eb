package dev.nanowal.internal.format;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Key validation, the stable key hash, and the file-name-safe form of a key. */
public final class KeyNames {

    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final int SAFE_PART_MAX_CHARS = 40;

    private KeyNames() {
    }

    /** The key's UTF-8 bytes; rejects keys that are null, too long, or not valid Unicode. */
    public static byte[] utf8(String key) {
        Objects.requireNonNull(key, "key must not be null");
        ByteBuffer encoded;
        try {
            encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(key));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("key is not valid Unicode (it holds an unpaired surrogate), so it "
                    + "cannot be stored as UTF-8");
        }
        if (encoded.remaining() > Limits.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key is " + encoded.remaining() + " UTF-8 bytes long; the limit is "
                    + Limits.MAX_KEY_BYTES + " bytes");
        }
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    /** 64-bit FNV-1a over the bytes; part of the on-disk format. */
    public static long hash(byte[] utf8) {
        long hash = FNV_OFFSET_BASIS;
        for (byte b : utf8) {
            hash ^= (b & 0xff);
            hash *= FNV_PRIME;
        }
        return hash;
    }

    /**
     * The readable part of a segment file name: the key's first characters with anything outside
     * {@code [A-Za-z0-9._-]} replaced by {@code _}. Only for people; the key itself lives in the file header.
     */
    public static String safePart(String key) {
        StringBuilder safe = new StringBuilder(Math.min(key.length(), SAFE_PART_MAX_CHARS) + 1);
        for (int i = 0; i < key.length() && safe.length() < SAFE_PART_MAX_CHARS; i++) {
            char c = key.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            safe.append(plain ? c : '_');
        }
        if (safe.length() == 0 || safe.charAt(0) == '.') {
            safe.insert(0, '_');
        }
        return safe.toString();
    }
}
