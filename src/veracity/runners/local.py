"""The local runner: the sources read into memory, one partition, on this machine."""

from __future__ import annotations

from veracity.engine import WholeData, findings_sink, run_partitions
from veracity.runners.base import AuditRequest, Runner, RunnerOutput, register
from veracity.sources import LoadedData, load_sources

__all__ = ["LocalRunner"]


@register
class LocalRunner(Runner):
    name = "local"
    summary = "in memory on this machine (the default)"

    def run(self, request: AuditRequest) -> RunnerOutput:
        request.progress("reading sources")
        data = load_sources(
            request.specs, base_dir=request.base_dir, null_markers=request.rule_set.model.null_markers
        )
        plan = request.plan(data)
        with findings_sink(request.findings_path, request.reveal_values) as sink:
            output = run_partitions(WholeData(data), plan, sink=sink, progress=request.progress)
        skeleton = LoadedData(data.frame.clear(), data.sources)
        return RunnerOutput(output, data.sources, skeleton, findings_written=sink is not None)
