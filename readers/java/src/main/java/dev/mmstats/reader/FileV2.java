package dev.mmstats.reader;

import java.util.List;
import java.util.Map;

/** A decoded version 2 file: its header and its fields of known kind and value type, in entry order. */
public record FileV2(LayoutV2.Header header, List<FieldV2> fields) implements Decoded {

    public FileV2 {
        fields = List.copyOf(fields);
    }

    @Override
    public int formatVersion() {
        return FormatV2.VERSION;
    }

    /** The canonical object of spec/v2.md: header values, then one object per field. */
    @Override
    public String toCanonicalJson(String path) {
        StringBuilder sb = new StringBuilder(256 + 128 * fields.size());
        sb.append("{\"path\": ");
        CanonicalJson.string(sb, path);
        sb.append(", \"format_version\": ").append(FormatV2.VERSION)
                .append(", \"minor\": ").append(header.minor())
                .append(", \"state\": ");
        CanonicalJson.string(sb, header.stateName());
        sb.append(", \"pid\": ").append(Long.toUnsignedString(header.pid()))
                .append(", \"start_ticks\": ").append(Long.toUnsignedString(header.startTicks()))
                .append(", \"created_unix_ns\": ").append(Long.toUnsignedString(header.createdUnixNs()))
                .append(", \"heartbeat_unix_ns\": ").append(Long.toUnsignedString(header.heartbeatUnixNs()))
                .append(", \"heartbeat_interval_ms\": ").append(header.heartbeatIntervalMs())
                .append(", \"overflow_count\": ").append(header.overflowCount())
                .append(", \"fields\": [");
        for (int i = 0; i < fields.size(); i++) {
            LayoutV2.Entry e = fields.get(i).entry();
            sb.append(i == 0 ? "\n  " : ",\n  ").append("{\"label\": ");
            CanonicalJson.string(sb, e.label());
            sb.append(", \"kind\": ");
            CanonicalJson.string(sb, e.kind().jsonName());
            sb.append(", \"type\": ");
            CanonicalJson.string(sb, e.type().jsonName());
            sb.append(", \"unit\": ");
            CanonicalJson.string(sb, e.unit());
            sb.append(", \"help\": ");
            CanonicalJson.string(sb, e.help());
            sb.append(", \"attributes\": {");
            boolean first = true;
            for (Map.Entry<String, String> a : e.attributes().entrySet()) {
                sb.append(first ? "" : ", ");
                first = false;
                CanonicalJson.string(sb, a.getKey());
                sb.append(": ");
                CanonicalJson.string(sb, a.getValue());
            }
            sb.append("}, \"value\": ");
            Value v = fields.get(i).value();
            if (v == null) {
                sb.append("null");
            } else {
                CanonicalJson.value(sb, v);
            }
            sb.append('}');
        }
        return sb.append(fields.isEmpty() ? "]}" : "\n]}").toString();
    }
}
