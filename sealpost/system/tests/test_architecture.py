"""The architecture holds (docs/architecture.md): the import contracts in .importlinter pass, a new
import cycle or upward import would break them, and no module is over 600 lines."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "sealpost"
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract, "acyclic_siblings": AcyclicSiblingsContract}
MAX_LINES = 600


def test_the_import_contracts_hold():
    """What CI runs: the virtual environment's lint-imports on the repository's .importlinter."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("sealpost", cache_dir=None)


def check(graph) -> dict[str, bool]:
    """Each contract of .importlinter checked against ``graph``: {contract id: kept}."""
    options = read_configuration(str(ROOT / ".importlinter"))
    kept = {}
    for contract_options in options["contracts_options"]:
        contract = CONTRACT_TYPES[contract_options["type"]](
            name=contract_options["name"], session_options=options["session_options"], contract_options=contract_options)
        kept[contract_options["id"]] = contract.check(copy.deepcopy(graph), verbose=False).kept
    return kept


@pytest.mark.parametrize("importer, imported, broken", [
    # The audit trail reading the orders again (it sits at the bottom): a cycle between apps, upward.
    ("sealpost.audit.services", "sealpost.orders.events", {"layers", "acyclic"}),
    # Payments importing the issuance task they start by name: upward, and a cycle (issuance reads payments).
    ("sealpost.payments.approval", "sealpost.issuance.tasks", {"layers", "acyclic"}),
    # The documents engine reaching for the orders (it sits below them).
    ("sealpost.documents.rendering", "sealpost.orders.models", {"layers", "acyclic"}),
    # A cycle inside one app: delivery's services importing the task module that imports them.
    ("sealpost.delivery.services", "sealpost.delivery.tasks", {"acyclic"}),
    # A runtime module importing test support (which imports the service back) or a test's helpers.
    ("sealpost.delivery.services", "sealpost.testing.smtp", {"no-test-code-at-runtime", "acyclic"}),
    ("sealpost.verify.views", "sealpost.documents.tests.test_rendering", {"no-test-code-at-runtime"}),
])
def test_a_new_cycle_or_upward_import_breaks_a_contract(graph, importer, imported, broken):
    assert all(check(graph).values())
    changed = copy.deepcopy(graph)
    changed.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert {name for name, kept in check(changed).items() if not kept} == broken


def test_no_module_is_over_600_lines():
    long = {str(path.relative_to(ROOT)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
