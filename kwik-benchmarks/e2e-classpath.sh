# Sourced by run-e2e.sh and run-capped.sh: builds (unless SKIP_BUILD=1), then copies the harness's
# classes and every jar of its class path into a private directory and sets $java and
# $classpath to use that copy, so the client and all server JVMs run the same code even when
# the jars in the local repository are reinstalled during the run. The copy is removed on exit
# (by the caller's EXIT trap, which calls remove_classpath_copy).
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    ./mvnw -B -q -Dmaven.test.skip=true package -pl kwik-benchmarks -am
fi
java="$(./mvnw --print-java-home)/bin/java"
classpath_copy=$(mktemp -d /tmp/kwik-e2e-cp.XXXXXX)
remove_classpath_copy() { rm -rf "$classpath_copy"; }
cp -r kwik-benchmarks/target/classes "$classpath_copy/classes"
classpath="$classpath_copy/classes"
IFS=":" read -r -a entries < kwik-benchmarks/target/classpath.txt || true  # no newline at its end
for entry in "${entries[@]}"; do
    name=$(basename "$entry")
    cp -r "$entry" "$classpath_copy/$name"
    classpath="$classpath:$classpath_copy/$name"
done
echo "# class path copied to $classpath_copy; kwik jars: $(cd "$classpath_copy" && sha256sum kwik-engine-*.jar kwik-api-*.jar 2>/dev/null | cut -c1-12 | tr '\n' ' ')"
