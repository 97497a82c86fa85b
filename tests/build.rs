//! Whether the PostgreSQL variants of the tests run: they are compiled in
//! when `WAITWELL_TEST_POSTGRES_URL` is set at build time (`.ci/run` sets
//! it) and otherwise marked ignored, so a run without PostgreSQL reports
//! them as skipped instead of passing them silently. Changing the variable
//! rebuilds this package.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=WAITWELL_TEST_POSTGRES_URL");
    if std::env::var("WAITWELL_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
