// Gen prints the property definitions of the jars on its class path, as
// rows of internal/propdefs/data: name, type, enumeration, range, flags,
// separated by tabs. It runs as a single-file program:
//
//	java -cp "$dist/libs/*" Gen.java broker      KafkaConfig's ConfigDef
//	java -cp "$dist/libs/*" Gen.java zookeeper   QuorumPeerConfig's keys
//
// A broker without a ConfigDef (0.8) exits 3: Legacy.java reads it.
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

@SuppressWarnings("unchecked")
public class Gen {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -cp 'DIST/libs/*' Gen.java broker|zookeeper");
            System.exit(2);
        }
        switch (args[0]) {
            case "broker" -> broker();
            case "zookeeper" -> zookeeper();
            default -> {
                System.err.println("Gen: unknown kind " + args[0]);
                System.exit(2);
            }
        }
    }

    // broker prints every key of KafkaConfig's ConfigDef: its type, the
    // values of a ValidString, CaseInsensitiveValidString or ValidList
    // validator, the bounds of a Range validator, and whether it is internal.
    static void broker() throws Exception {
        Object def = configDef();
        if (def == null) {
            System.err.println("Gen: kafka.server.KafkaConfig has no ConfigDef (a 0.8 broker): use Legacy.java");
            System.exit(3);
        }
        // The field, not the accessor, which 0.9 lacks.
        Map<String, Object> keys = (Map<String, Object>) field(def, "configKeys");
        for (Object key : new TreeMap<>(keys).values()) {
            String name = (String) field(key, "name");
            String type = field(key, "type").toString().toLowerCase();
            Object validator = field(key, "validator");
            String values = "", range = "", flags = "";
            if (validator != null) {
                String kind = validator.getClass().getName();
                if (kind.endsWith("$ValidList")) {
                    validator = field(validator, "validString");
                    kind = validator.getClass().getName();
                }
                if (kind.endsWith("$ValidString")) {
                    values = String.join(",", (Collection<String>) field(validator, "validStrings"));
                } else if (kind.endsWith("$CaseInsensitiveValidString")) {
                    values = String.join(",", new TreeSet<>((Collection<String>) field(validator, "validStrings")));
                    flags = "foldcase";
                } else if (kind.endsWith("$Range")) {
                    Object min = field(validator, "min"), max = field(validator, "max");
                    range = (min == null ? "" : min.toString()) + ".." + (max == null ? "" : max.toString());
                }
            }
            if (hasField(key, "internalConfig") && (Boolean) field(key, "internalConfig")) { // from 0.10.1
                flags = flags.isEmpty() ? "internal" : flags + ",internal";
            }
            System.out.println(String.join("\t", name, type, values, range, flags));
        }
    }

    // configDef finds KafkaConfig's ConfigDef: the static forwarder of 3.x,
    // or the field of the Scala object KafkaConfig$ in 0.9 to 2.x.
    static Object configDef() throws Exception {
        Class<?> c = Class.forName("kafka.server.KafkaConfig");
        try {
            return c.getMethod("configDef").invoke(null);
        } catch (NoSuchMethodException e) {
            // fall through to the object
        }
        Class<?> object;
        try {
            object = Class.forName("kafka.server.KafkaConfig$");
        } catch (ClassNotFoundException e) {
            return null;
        }
        Object module = object.getField("MODULE$").get(null);
        for (String name : new String[] {"configDef", "kafka$server$KafkaConfig$$configDef"}) {
            try {
                Field f = object.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(module);
            } catch (NoSuchFieldException e) {
                // try the next spelling
            }
        }
        return null;
    }

    static boolean hasField(Object o, String name) {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                c.getDeclaredField(name);
                return true;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        return false;
    }

    static Object field(Object o, String name) throws Exception {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(o.getClass().getName() + "." + name);
    }

    // zookeeper prints the keys QuorumPeerConfig.parseProperties compares
    // by name, typed by the parse call of each branch, then every system
    // property "zookeeper.<key>" the jar names: parseProperties sets any
    // other key as that system property, so the file reaches them too.
    static void zookeeper() throws Exception {
        Map<String, String[]> rows = new TreeMap<>();
        for (String[] r : parseProperties()) {
            rows.put(r[0], r);
        }
        for (String key : systemProperties()) {
            rows.putIfAbsent(key, new String[] {key, "string", "", "", "sysprop"});
        }
        for (String[] r : rows.values()) {
            System.out.println(String.join("\t", r));
        }
    }

    static final Pattern INSN = Pattern.compile("^\\s*\\d+: (\\w+)\\s*(?:(\\d+)|#\\d+(?:,\\s*\\d+)?)?\\s*(?://\\s*(\\w+) (.*))?$");

    // parseProperties reads the bytecode of QuorumPeerConfig.parseProperties
    // (javap -c): a branch starts where the key's local is compared with a
    // string constant (equals: a key; startsWith: a family of keys, written
    // with a trailing *); Integer.parseInt, Long.parseLong or a boolean
    // parse in the branch gives the type; string constants the value is
    // compared with give an enumeration (case folded after toLowerCase).
    static List<String[]> parseProperties() {
        String text = javap("-c", "-p", "-cp", System.getProperty("java.class.path"), "org.apache.zookeeper.server.quorum.QuorumPeerConfig");
        List<String[]> out = new ArrayList<>();
        boolean in = false;
        String keySlot = null, lastLoad = null, lastLdc = null, loadBeforeLdc = null;
        String[] row = null;
        TreeSet<String> values = null;
        boolean fold = false;
        for (String line : text.split("\n")) {
            if (line.contains(" parseProperties(java.util.Properties)")) {
                in = true;
                continue;
            }
            if (!in) {
                continue;
            }
            if (line.isBlank() || line.startsWith("  public ") || line.startsWith("  private ") || line.startsWith("  protected ")) {
                break;
            }
            Matcher m = INSN.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String op = m.group(1), kind = m.group(3), operand = m.group(4);
            if (op.startsWith("aload")) {
                lastLoad = op.contains("_") ? op.substring(op.indexOf('_') + 1) : m.group(2);
                continue;
            }
            if (op.equals("ldc") || op.equals("ldc_w")) {
                if ("String".equals(kind)) {
                    lastLdc = operand;
                    loadBeforeLdc = lastLoad;
                } else {
                    lastLdc = null;
                }
                continue;
            }
            if (!op.startsWith("invoke") || operand == null) {
                continue;
            }
            boolean equals = operand.startsWith("java/lang/String.equals:"), starts = operand.startsWith("java/lang/String.startsWith:");
            if ((equals || starts) && lastLdc != null) {
                if (keySlot == null) {
                    keySlot = loadBeforeLdc;
                }
                if (keySlot != null && keySlot.equals(loadBeforeLdc)) {
                    finish(out, row, values, fold);
                    row = new String[] {starts ? lastLdc + "*" : lastLdc, "string", "", "", ""};
                    values = new TreeSet<>();
                    fold = false;
                } else if (row != null && equals) {
                    values.add(lastLdc);
                }
                lastLdc = null;
                continue;
            }
            if (row == null) {
                continue;
            }
            if (operand.startsWith("java/lang/Integer.parseInt:")) {
                row[1] = "int";
            } else if (operand.startsWith("java/lang/Long.parseLong:")) {
                row[1] = "long";
            } else if (operand.startsWith("java/lang/Boolean.parseBoolean:") || operand.startsWith("parseBoolean:")) {
                row[1] = "boolean";
            } else if (operand.startsWith("java/lang/String.toLowerCase:")) {
                fold = true;
            }
            lastLdc = null;
        }
        finish(out, row, values, fold);
        if (out.isEmpty()) {
            throw new IllegalStateException("no keys found in QuorumPeerConfig.parseProperties");
        }
        return out;
    }

    static void finish(List<String[]> out, String[] row, TreeSet<String> values, boolean fold) {
        if (row == null) {
            return;
        }
        // A family (server.N) is a string whatever its parts parse as.
        if (row[0].endsWith("*")) {
            row[1] = "string";
        } else if (row[1].equals("string") && !values.isEmpty()) {
            row[2] = String.join(",", values);
            if (fold) {
                row[4] = "foldcase";
            }
        }
        out.add(row);
    }

    static String javap(String... args) {
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        StringWriter out = new StringWriter(), err = new StringWriter();
        if (javap.run(new PrintWriter(out), new PrintWriter(err), args) != 0) {
            throw new IllegalStateException("javap: " + err);
        }
        return out.toString();
    }

    static final Pattern SYSPROP = Pattern.compile("^zookeeper\\.([A-Za-z0-9][A-Za-z0-9_.-]*)$");

    // systemProperties lists the string constants "zookeeper.<key>" in the
    // ZooKeeper jars; one ending in a dot ("zookeeper.ssl.") is a family
    // ("ssl.*") whose names are joined at run time.
    static TreeSet<String> systemProperties() throws IOException {
        TreeSet<String> keys = new TreeSet<>();
        for (String path : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String base = new File(path).getName();
            if (!base.startsWith("zookeeper-") || !base.endsWith(".jar")) {
                continue;
            }
            try (JarFile jar = new JarFile(path)) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    if (!e.getName().endsWith(".class")) {
                        continue;
                    }
                    for (String s : strings(jar.getInputStream(e).readAllBytes())) {
                        Matcher m = SYSPROP.matcher(s);
                        if (m.matches()) {
                            keys.add(s.endsWith(".") ? m.group(1) + "*" : m.group(1));
                        }
                    }
                }
            }
        }
        return keys;
    }

    // strings returns the String constants of a class file's constant pool.
    static List<String> strings(byte[] class_) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(class_));
        in.readInt(); // magic
        in.readInt(); // version
        int n = in.readUnsignedShort();
        String[] utf8 = new String[n];
        List<Integer> refs = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 8 -> refs.add(in.readUnsignedShort());
                case 7, 16, 19, 20 -> in.skipBytes(2);
                case 15 -> in.skipBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                case 5, 6 -> {
                    in.skipBytes(8);
                    i++;
                }
                default -> throw new IOException("constant pool tag " + tag);
            }
        }
        List<String> out = new ArrayList<>();
        for (int r : refs) {
            out.add(utf8[r]);
        }
        return out;
    }
}
