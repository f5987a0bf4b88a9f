/**
 * rtmalloc's TOML configuration: {@link io.rtmalloc.toml.TomlConfig} reads and
 * writes a {@link io.rtmalloc.Config} as TOML, and the reader it provides lets
 * {@link io.rtmalloc.Config#parse} and {@link io.rtmalloc.Config#load} read TOML.
 * The API module needs no TOML library; this one brings tomlj.
 */
module io.rtmalloc.toml {
    requires transitive io.rtmalloc.api;
    requires org.tomlj;

    exports io.rtmalloc.toml;

    provides io.rtmalloc.ConfigReader with io.rtmalloc.toml.TomlReader;
}
