package dev.nanowal.cli;

import dev.nanowal.EntryRef;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** The JSON the CLI prints: a dumped entry, and strings quoted for it. */
final class Json {

    private Json() {
    }

    static String entry(EntryRef ref, long timestamp, byte[] header, byte[] content, boolean base64) {
        String[] h = encode(header, base64);
        String[] c = encode(content, base64);
        return "{\"ref\":{\"keyHash\":\"" + WalCli.hex(ref.keyHash()) + "\",\"sequenceNumber\":" + ref.sequenceNumber()
                + ",\"offset\":" + ref.offset() + "},\"timestamp\":\"" + Instant.ofEpochMilli(timestamp)
                + "\",\"headerSize\":" + header.length + ",\"contentSize\":" + content.length
                + ",\"header\":" + quote(h[0]) + ",\"headerEncoding\":\"" + h[1] + "\""
                + ",\"content\":" + quote(c[0]) + ",\"contentEncoding\":\"" + c[1] + "\"}";
    }

    /** The bytes as UTF-8 text when they are valid UTF-8 (and base64 is not forced), else base64. */
    private static String[] encode(byte[] bytes, boolean base64) {
        if (!base64) {
            try {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
                return new String[] {text, "utf8"};
            } catch (CharacterCodingException e) {
                // binary: base64 below
            }
        }
        return new String[] {Base64.getEncoder().encodeToString(bytes), "base64"};
    }

    static String quote(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
