"""Commands that belong to the whole system rather than to one area: ``sealpost serve`` (the
production web server), ``sealpost bench`` (the benchmarks of bench/) and ``sealpost faults``
(the fault suite, run in a process of its own). No models, no pages."""
