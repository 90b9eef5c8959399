//! Time per event of `EcsLayer` against the peer JSON formatters, on the same workloads in the
//! same run. Run with `cargo bench -p deploytel-benches --bench ecs_layer`; results are in docs/PERFORMANCE.md.

#[path = "support/workloads.rs"]
mod workloads;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn json_layers(c: &mut Criterion) {
    for (workload, run) in workloads::WORKLOADS {
        let mut group = c.benchmark_group(workload);
        group.throughput(Throughput::Elements(1));
        for (name, dispatch) in workloads::formatters() {
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter_custom(|iters| {
                    let start = std::time::Instant::now();
                    run(&dispatch, iters);
                    start.elapsed()
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, json_layers);
criterion_main!(benches);
