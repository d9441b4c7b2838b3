"""What a fault run injects (Plan) and what it found (Figures)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Plan:
    orders: int = 40
    kills: int = 10
    wes_share: float = 0.3
    seed: int = 1
    release_every: float = 0.3  # seconds between two orders released
    uptime: tuple = (0.2, 3.0)  # a worker is killed this many seconds (random) after it is ready,
    # or sooner for a kill aimed at work in progress (an e-mail being sent, a WES upload running:
    # then at a random moment within 0.1 s of seeing it)
    sftp_write_delay: float = 0.01  # seconds per 32 KB written: uploads take a while
    smtp_outage: tuple = (3.0, 4.0)  # (start, length) in seconds from the beginning
    sftp_refusing: tuple = (5.0, 3.0)
    disk_full: tuple = (9.0, 3.0)
    drops_mid_upload: int = 3  # the SFTP server drops the connection after N bytes of a write
    drops_now: int = 2  # every open SFTP connection dropped at once
    lease: int = 3  # seconds: the delivery and WES leases of the workers
    timeout: float = 240.0  # the run fails if not everything completed by then
    settle: float = 5.0  # after completion, seconds to wait for anything sent twice
    policy: str = "resend"  # SEALPOST_DELIVERY_ON_UNCERTAIN
    # Issue in the worker too: orders start paid, the worker renders, signs and stores them
    # (issuance.tasks.issue_order_task), then delivers; the document store is on a tmpfs of its
    # own (when root), filled for a while (store_disk_full: start, length).
    issue: bool = False
    store_disk_full: tuple = (6.0, 3.0)


@dataclass
class Figures:
    faults: Counter = field(default_factory=Counter)
    orders: int = 0
    orders_completed: int = 0
    orders_held: int = 0  # policy "hold": an uncertain e-mail waits for staff
    emails_expected: int = 0
    emails_received: int = 0
    duplicates: int = 0  # recipients e-mailed more than once (extra copies)
    duplicates_unexplained: int = 0  # duplicates without a delivery_uncertain event
    uncertain: int = 0  # delivery_uncertain events
    lost: list = field(default_factory=list)  # recorded sent, never received
    wes_files: int = 0
    wes_written_twice: list = field(default_factory=list)
    wes_direct_writes: list = field(default_factory=list)
    wes_bad_files: list = field(default_factory=list)
    wes_part_files: list = field(default_factory=list)
    email_attempts: int = 0
    wes_attempts: int = 0
    wes_submissions: int = 0
    kills_mid_send: int = 0
    kills_mid_upload: int = 0
    seconds: float = 0.0
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        return [
            f"faults injected: {sum(self.faults.values())} ({faults})",
            f"worker kills while an e-mail was being sent: {self.kills_mid_send}; while a WES upload ran: "
            f"{self.kills_mid_upload}",
            f"orders completed: {self.orders_completed}/{self.orders}"
            + (f"; held for staff (uncertain e-mail, policy hold): {self.orders_held}" if self.orders_held else ""),
            f"e-mails: {self.emails_expected} expected, {self.emails_received} received by the SMTP server",
            f"duplicates found: {self.duplicates} (outside the documented uncertain window: "
            f"{self.duplicates_unexplained}); uncertain hand-overs: {self.uncertain}",
            f"e-mails recorded sent but never received: {len(self.lost)}",
            f"attempts: {self.email_attempts} for {self.emails_expected} e-mails, {self.wes_attempts} for "
            f"{self.wes_submissions} WES uploads",
            f"WES files: {self.wes_files}; written twice: {len(self.wes_written_twice)}; written directly under "
            f"the final name: {len(self.wes_direct_writes)}; final files not whole: {len(self.wes_bad_files)}; "
            f".part files left: {len(self.wes_part_files)}",
            f"seconds: {self.seconds:.1f}",
            "result: " + ("OK" if self.ok else "PROBLEMS: " + "; ".join(self.problems)),
        ]
