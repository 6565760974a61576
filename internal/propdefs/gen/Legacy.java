// Legacy prints the property definitions of a 0.8 broker, which has no
// ConfigDef: its KafkaConfig reads every property through the typed
// getters of kafka.utils.VerifiableProperties. Legacy runs the jar's own
// KafkaConfig (and KafkaMetricsConfig, which the broker builds from the
// same properties) on a VerifiableProperties that records each getter
// called: the name, the type of the getter and its range. A name read only
// when containsKey says it is set (log.retention.ms, …) is found by running
// again with containsKey true for that name. A range drawn from another
// property (replica.fetch.max.bytes from message.max.bytes) is left out:
// every run is made twice, the second with each number one more than its
// default, and a range that moves is not a constant. Rows are those of
// Gen.java.
//
//	java -cp "$dist/libs/*" Legacy.java
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import kafka.message.CompressionCodec;
import kafka.message.CompressionCodec$;
import kafka.metrics.KafkaMetricsConfig;
import kafka.server.KafkaConfig;
import kafka.utils.VerifiableProperties;
import scala.Function1;
import scala.Tuple2;
import scala.collection.Map;

public class Legacy {
    public static void main(String[] args) throws Exception {
        TreeMap<String, String[]> rows = new TreeMap<>();
        Set<String> asked = new LinkedHashSet<>();
        List<String> runs = new ArrayList<>();
        runs.add(null);
        TreeMap<String, String[]> bumped = new TreeMap<>();
        for (int i = 0; i < runs.size(); i++) {
            for (Recorder r : new Recorder[] {new Recorder(runs.get(i), rows, 0), new Recorder(runs.get(i), bumped, 1)}) {
                Constructor<KafkaConfig> c = KafkaConfig.class.getDeclaredConstructor(VerifiableProperties.class);
                c.setAccessible(true);
                c.newInstance(r);
                new KafkaMetricsConfig(r);
                for (String name : r.asked) {
                    if (asked.add(name)) {
                        runs.add(name);
                    }
                }
            }
        }
        for (String[] row : rows.values()) {
            if (!row[3].equals(bumped.get(row[0])[3])) {
                row[3] = "";
            }
        }
        for (String name : asked) {
            if (!rows.containsKey(name)) {
                throw new IllegalStateException(name + " is asked for but never read");
            }
        }
        for (String[] row : rows.values()) {
            System.out.println(String.join("\t", row));
        }
    }

    // Recorder answers every getter with its default (or the low end of
    // its range, or a placeholder) and records what was asked.
    static class Recorder extends VerifiableProperties {
        final String present;
        final TreeMap<String, String[]> rows;
        final Set<String> asked = new LinkedHashSet<>();
        final int bump;

        Recorder(String present, TreeMap<String, String[]> rows, int bump) {
            super(new Properties());
            this.present = present;
            this.rows = rows;
            this.bump = bump;
        }

        int pick(int def, Tuple2<Object, Object> range) {
            return def < (Integer) range._2() ? def + bump : def;
        }

        void record(String name, String type, String values, Tuple2<Object, Object> range) {
            String r = range == null ? "" : range._1() + ".." + range._2();
            rows.putIfAbsent(name, new String[] {name, type, values, r, ""});
        }

        @Override public boolean containsKey(String name) {
            asked.add(name);
            return name.equals(present);
        }

        @Override public String getProperty(String name) {
            record(name, "string", "", null);
            return "";
        }

        @Override public int getInt(String name) {
            record(name, "int", "", null);
            return 0;
        }

        @Override public int getInt(String name, int def) {
            record(name, "int", "", null);
            return def + bump;
        }

        @Override public int getIntInRange(String name, Tuple2<Object, Object> range) {
            record(name, "int", "", range);
            return (Integer) range._1();
        }

        @Override public int getIntInRange(String name, int def, Tuple2<Object, Object> range) {
            record(name, "int", "", range);
            return pick(def, range);
        }

        @Override public short getShort(String name, short def) {
            record(name, "short", "", null);
            return def;
        }

        @Override public short getShortInRange(String name, short def, Tuple2<Object, Object> range) {
            record(name, "short", "", range);
            return def;
        }

        @Override public long getLong(String name) {
            record(name, "long", "", null);
            return 0;
        }

        @Override public long getLong(String name, long def) {
            record(name, "long", "", null);
            return def + bump;
        }

        @Override public long getLongInRange(String name, long def, Tuple2<Object, Object> range) {
            record(name, "long", "", range);
            return def;
        }

        @Override public double getDouble(String name) {
            record(name, "double", "", null);
            return 0;
        }

        @Override public double getDouble(String name, double def) {
            record(name, "double", "", null);
            return def;
        }

        // A 0.8 boolean is "true" or "false", in lower case only.
        @Override public boolean getBoolean(String name) {
            record(name, "boolean", "true,false", null);
            return false;
        }

        @Override public boolean getBoolean(String name, boolean def) {
            record(name, "boolean", "true,false", null);
            return def;
        }

        @Override public String getString(String name) {
            record(name, "string", "", null);
            return "localhost:2181";
        }

        @Override public String getString(String name, String def) {
            record(name, "string", "", null);
            return def;
        }

        @Override public Map<String, String> getMap(String name, Function1<String, Object> valid) {
            record(name, "string", "", null);
            return scala.collection.immutable.Map$.MODULE$.empty();
        }

        // A codec is named or numbered, in any case.
        @Override public CompressionCodec getCompressionCodec(String name, CompressionCodec def) {
            Set<String> values = new LinkedHashSet<>();
            for (int i = 0; i < 16; i++) {
                try {
                    CompressionCodec codec = CompressionCodec$.MODULE$.getCompressionCodec(i);
                    values.add(Integer.toString(i));
                    values.add(codec.name());
                } catch (RuntimeException e) {
                    // not a codec number
                }
            }
            rows.putIfAbsent(name, new String[] {name, "string", String.join(",", values), "", "foldcase"});
            return def;
        }

        @Override public void verify() {
        }
    }
}
