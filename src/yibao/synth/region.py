"""The synthetic pooling region, generated chunk by chunk (模拟统筹区).

``generate_region(config)`` builds the region-wide parts (case mix, catalog, institutions,
doctors) and returns a ``Region`` whose ``chunks()`` yields one dict of Arrow tables per chunk of
people. Every chunk has its own random stream derived from (seed, chunk index), so the same
config always gives byte-identical tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from yibao.synth.arrow import COUNT, dates, decimal_from_units, ids, take_strings, timestamps
from yibao.synth.casemix import CaseMix, build_casemix
from yibao.synth.clinical import cost_residual, icu_days, tumor_stage
from yibao.synth.catalog import SynthCatalog, build_catalog
from yibao.synth.charges import TYPES, Lines, inject_item_abuse
from yibao.synth.config import SynthConfig
from yibao.synth.inpatient import CASE_KINDS, Cases, case_lines, generate_cases
from yibao.synth.local_abuse import inject_local_abuse, prescribe
from yibao.synth.outpatient import Visits, generate_visits, visit_lines
from yibao.synth.population import Doctors, Institutions, build_institutions, persons_chunk, year_start

_DAY = 86_400
_LABEL_FIELDS = ("kind", "level", "mdtrt_id", "feedetl_sn", "psn_no", "fixmedins_code", "atddr_no", "related_mdtrt_id", "detail")


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *stream])))


@dataclass(frozen=True, slots=True)
class Region:
    """A region: the region-wide tables and a generator of per-chunk tables."""

    config: SynthConfig
    mix: CaseMix
    catalog: SynthCatalog
    institutions: Institutions
    doctors: Doctors

    @property
    def n_chunks(self) -> int:
        return -(-self.config.persons // self.config.chunk_persons)

    def static_tables(self) -> dict[str, pa.Table]:
        inst, docs = self.institutions, self.doctors
        institutions = pa.table({
            "fixmedins_code": pa.array(inst.code, pa.string()),
            "fixmedins_name": pa.array(inst.name, pa.string()),
            "fixmedins_type": pa.array(np.where(inst.kind == "pharmacy", "2", "1"), pa.string()),
            "hosp_lv": pa.array(np.where(inst.level == "", None, inst.level), pa.string()),
            "inst_kind": pa.array(inst.kind, pa.string()),
            "grassroots_flag": pa.array(inst.grassroots),
            "aprv_bed_cnt": pa.array(inst.beds, pa.int32()),
            "admdvs": pa.array(np.full(len(inst.code), self.config.admdvs), pa.string()),
        })
        doctors = pa.table({
            "atddr_no": pa.array(docs.atddr_no, pa.string()),
            "fixmedins_code": take_strings(institutions["fixmedins_code"].combine_chunks(), docs.institution),
            "dept_code": pa.array(docs.dept, pa.string()),
        })
        return {"institutions": institutions, "doctors": doctors, "catalog": self.catalog.to_arrow(),
                "labels": self._static_labels()}

    def _static_labels(self) -> pa.Table:
        inst_rows = np.flatnonzero(self.institutions.abusive)
        doc_rows = np.flatnonzero(self.doctors.abusive)
        n = len(inst_rows) + len(doc_rows)
        return _labels({
            "kind": np.array(["abusive_institution"] * len(inst_rows) + ["abusive_doctor"] * len(doc_rows)),
            "level": np.array(["institution"] * len(inst_rows) + ["doctor"] * len(doc_rows)),
            "fixmedins_code": np.concatenate([self.institutions.code[inst_rows],
                                              self.institutions.code[self.doctors.institution[doc_rows]]]),
            "atddr_no": np.concatenate([np.full(len(inst_rows), ""), self.doctors.atddr_no[doc_rows]]),
        }, n)

    def chunks(self) -> Iterator[dict[str, pa.Table]]:
        for index in range(self.n_chunks):
            yield self.chunk(index)

    def persons(self, index: int) -> dict[str, np.ndarray]:
        """The people of chunk ``index`` alone (the same people ``chunk(index)`` starts from)."""
        cfg = self.config
        first = index * cfg.chunk_persons
        return persons_chunk(cfg, _rng(cfg.seed, 1, index), first, min(cfg.chunk_persons, cfg.persons - first))

    def chunk(self, index: int) -> dict[str, pa.Table]:
        """Persons, visits, cases, claim items and labels of chunk ``index`` (plus history cases)."""
        cfg = self.config
        first = index * cfg.chunk_persons
        n = min(cfg.chunk_persons, cfg.persons - first)
        rng = _rng(cfg.seed, 1, index)
        persons = persons_chunk(cfg, rng, first, n)
        return _ChunkBuilder(self, index, persons, rng).build()

    def collect(self) -> dict[str, pa.Table]:
        """The whole region in memory (small regions: tests, demos)."""
        parts: dict[str, list[pa.Table]] = {}
        for name, table in self.static_tables().items():
            parts.setdefault(name, []).append(table)
        for chunk in self.chunks():
            for name, table in chunk.items():
                parts.setdefault(name, []).append(table)
        return {name: pa.concat_tables(tables) for name, tables in parts.items()}


def generate_region(config: SynthConfig) -> Region:
    """The region-wide parts of a synthetic region; chunks are generated lazily."""
    mix = build_casemix(config, _rng(config.seed, 0, 0))
    catalog = build_catalog(_rng(config.seed, 0, 1))
    institutions, doctors = build_institutions(config, _rng(config.seed, 0, 2))
    return Region(config, mix, catalog, institutions, doctors)


def _labels(columns: dict[str, np.ndarray], n: int) -> pa.Table:
    out = {}
    for field in _LABEL_FIELDS:
        values = columns.get(field, np.full(n, ""))
        out[field] = pa.array(np.where(values == "", None, values) if n else [], pa.string())
    out["injected"] = pa.array(np.ones(n, dtype=bool))
    return pa.table(out)


class _ChunkBuilder:
    """Assembles one chunk; a class only to keep the many arrays of one chunk in one place."""

    def __init__(self, region: Region, index: int, persons: dict[str, np.ndarray], rng: np.random.Generator):
        self.r = region
        self.cfg = region.config
        self.index = index
        self.persons = persons
        self.rng = rng
        self.psn_no = ids(f"{self.cfg.admdvs}9", persons["seq"], 10)

    # -- ids ------------------------------------------------------------------------------------
    def _mdtrt(self, rows: np.ndarray, year: int) -> pa.Array:
        return ids(f"{year}{self.index:04d}", rows, 8)

    def build(self) -> dict[str, pa.Table]:
        cfg, r, rng = self.cfg, self.r, self.rng
        y0 = year_start(cfg.year)
        cases = generate_cases(cfg, rng, self.persons, r.mix, r.institutions, r.doctors, y0)
        alibi = np.flatnonzero(np.isin(cases.kind, [CASE_KINDS.index("phantom_stay"), CASE_KINDS.index("bed_hanging")]))
        visits = generate_visits(cfg, rng, self.persons, r.institutions, y0, cases.person[alibi],
                                 (cases.adm_sec[alibi] + _DAY, cases.dscg_sec[alibi] - _DAY), alibi, cases.institution[alibi],
                                 (cases.person, cases.adm_sec // _DAY, cases.dscg_sec // _DAY))
        nc = len(cases.person)
        in_lines = case_lines(cases, r.mix, r.catalog, rng, cfg.severity_cost_factor)
        out_lines = visit_lines(visits, r.institutions, r.catalog, rng)
        local_rng = _rng(cfg.seed, 100, self.index)  # its own stream: the main one stays as it was
        prescribe(r.catalog, local_rng, out_lines, visits.med_type[out_lines.visit], cfg.supply_days,
                  visits.person[out_lines.visit], cfg.premium_share_kept)
        out_lines.visit += nc
        person = np.concatenate([cases.person, visits.person])
        institution = np.concatenate([cases.institution, visits.institution])
        doc_out = r.institutions.doctor_start[visits.institution] + rng.integers(0, 1 << 30, len(visits.person)) % r.institutions.doctor_count[visits.institution]
        doctor = np.concatenate([cases.doctor, doc_out])
        begin = np.concatenate([cases.adm_sec, visits.begin])
        mult = np.where(r.institutions.abusive[institution], cfg.abuse.institution_multiplier, 1.0)
        mult = mult * np.where(r.doctors.abusive[doctor], cfg.abuse.doctor_multiplier, 1.0)
        ordinary = np.concatenate([np.ones(nc, bool), visits.alibi_of < 0])
        lines, item_marks = inject_item_abuse(r.catalog, rng, Lines.concat([in_lines, out_lines]), cfg.abuse.item_kinds,
                                              np.where(ordinary, mult, 0.0), begin, self.persons["gend"][person],
                                              self._age_at(person, begin))
        local = inject_local_abuse(cfg, local_rng, r.catalog, r.institutions, self.persons, visits, nc, lines,
                                   np.where(ordinary, mult, 0.0)[nc:],
                                   (cases.person, cases.adm_sec // _DAY, cases.dscg_sec // _DAY))
        lines = local.lines
        item_marks = [(kind, hit, local.position[rows]) for kind, hit, rows in item_marks]
        ex = local.visits
        visits = Visits(*(np.concatenate([getattr(visits, f), getattr(ex, f)]) for f in Visits.__slots__))
        person = np.concatenate([person, ex.person])
        institution = np.concatenate([institution, ex.institution])
        doctor = np.concatenate([doctor, r.institutions.doctor_start[ex.institution]
                                 + local.doctor_pick % r.institutions.doctor_count[ex.institution]])
        begin = np.concatenate([begin, ex.begin])
        amount = lines.price * lines.count
        total = np.bincount(lines.visit, weights=amount, minlength=len(person)).astype(np.int64) + local.total_extra_fen
        mdtrt = self._mdtrt(np.arange(len(person)), cfg.year)
        sn = ids(f"{self.index:04d}", np.arange(len(lines)), 9)
        labels = self._case_labels(cases, mdtrt, item_marks, lines, sn, person, institution, doctor)
        tables = {
            "persons": self._persons(),
            "visits": self._visits(cases, visits, mdtrt, person, institution, doctor, begin, total),
            "cases": self._cases(cases, mdtrt.slice(0, nc), lines, amount, nc, self.cfg.year),
            "claim_items": self._items(lines, amount, mdtrt, person, institution, doctor, sn),
            "labels": pa.concat_tables([labels, self._local_labels(local.marks, mdtrt, sn, person, institution, doctor)]),
        }
        history = [self._history(k) for k in range(1, cfg.history_years + 1)]
        if history:
            tables["cases"] = pa.concat_tables([tables["cases"], *history])
        return tables

    def _age_at(self, person: np.ndarray, when_sec: np.ndarray) -> np.ndarray:
        return (when_sec // _DAY - self.persons["birth"][person]) // 365

    # -- tables ---------------------------------------------------------------------------------
    def _persons(self) -> pa.Table:
        p = self.persons
        return pa.table({
            "psn_no": self.psn_no,
            "gend": pa.array(p["gend"].astype(str), pa.string()),
            "brdy": dates(p["birth"]),
            "age": pa.array(p["age"], pa.int32()),
            "insutype": pa.array(p["insutype"], pa.string()),
            "psn_type": pa.array(p["psn_type"], pa.string()),
            "psn_idet_type": pa.array(p["identity"], pa.string()),
            "insu_admdvs": pa.array(np.full(len(p["age"]), self.cfg.admdvs), pa.string()),
            "insu_begn_date": dates(p["begin"]),
            "wait_end_date": pa.array(np.where(p["wait_end"] >= 0, p["wait_end"], 0).astype(np.int32), pa.int32(),
                                      mask=p["wait_end"] < 0).cast(pa.date32()),
            "chronic_dise_codg": pa.array(np.where(p["chronic_dx"] == "", None, p["chronic_dx"]), pa.string()),
        })

    def _visits(self, cases: Cases, visits: Visits, mdtrt: pa.Array, person: np.ndarray, institution: np.ndarray,
                doctor: np.ndarray, begin: np.ndarray, total: np.ndarray) -> pa.Table:
        r = self.r
        nc = len(cases.person)
        end = np.concatenate([cases.dscg_sec, visits.end])
        med_type = np.concatenate([np.full(nc, "21"), visits.med_type])
        diag = np.concatenate([r.mix.principal[cases.path], visits.diag])
        return pa.table({
            "mdtrt_id": mdtrt,
            "psn_no": self.psn_no.take(pa.array(person)),
            "fixmedins_code": pa.array(r.institutions.code[institution], pa.string()),
            "insutype": pa.array(self.persons["insutype"][person], pa.string()),
            "med_type": pa.array(med_type, pa.string()),
            "begntime": timestamps(begin),
            "endtime": timestamps(end),
            "atddr_no": pa.array(r.doctors.atddr_no[doctor], pa.string()),
            "dept_code": pa.array(r.doctors.dept[doctor], pa.string()),
            "diag_code": pa.array(np.where(diag == "", None, diag), pa.string()),
            "medfee_sumamt": decimal_from_units(total),
        })

    def _cases(self, cases: Cases, mdtrt: pa.Array, lines: Lines, amount: np.ndarray, nc: int, year: int) -> pa.Table:
        cat = self.r.catalog
        inpatient = lines.visit < nc
        type_idx = np.searchsorted(TYPES, cat.item_type[lines.item[inpatient]])
        by_type = np.zeros((nc, len(TYPES)), dtype=np.int64)
        np.add.at(by_type, (lines.visit[inpatient], type_idx), amount[inpatient])
        return self._case_table(cases, mdtrt, by_type, year)

    def _case_table(self, cases: Cases, mdtrt: pa.Array, by_type: np.ndarray, year: int) -> pa.Table:
        mix, r = self.r.mix, self.r
        principal = mix.principal[cases.path]
        diag = [p if not s else f"{p}|{s}" for p, s in zip(principal.tolist(), cases.secondary)]
        ipt = np.maximum(1, (cases.dscg_sec // _DAY) - (cases.adm_sec // _DAY))
        residual = cost_residual(mix, cases.true_path, cases.severity, cases.cost_fen, self.cfg)
        extra = _rng(self.cfg.seed, 200 + self.cfg.year - year, self.index)  # own stream: the others stay as they were
        icu = icu_days(self.cfg, extra, cases.severity == 2, mix.surgical[cases.true_path], cases.dscg_way == "5",
                       residual, ipt)
        stage = tumor_stage(self.cfg, extra, principal, residual)
        cols = {
            "case_id": ids(f"C{year}{self.index:04d}", np.arange(len(cases.person)), 8),
            "mdtrt_id": mdtrt,
            "psn_no": self.psn_no.take(pa.array(cases.person)),
            "fixmedins_code": pa.array(r.institutions.code[cases.institution], pa.string()),
            "insutype": pa.array(self.persons["insutype"][cases.person], pa.string()),
            "gend": pa.array(self.persons["gend"][cases.person].astype(np.int32), pa.int32()),
            "age": pa.array(cases.age, pa.int32()),
            "age_days": pa.array(np.maximum(cases.age_days, 0).astype(np.int32), pa.int32(), mask=cases.age_days < 0),
            "nwb_bir_wt": pa.array(np.maximum(cases.birth_weight, 0).astype(np.int32), pa.int32(), mask=cases.birth_weight < 0),
            "ipt_days": pa.array(ipt, pa.int32()),
            "dscg_way": pa.array(cases.dscg_way, pa.string()),
            "icu_days": pa.array(icu, pa.int32()),
            "tumor_stage": pa.array(np.where(stage == "", None, stage), pa.string()),
            "diag_codes": pa.array(diag, pa.string()),
            "oprn_codes": pa.array(mix.procedures[cases.path], pa.string()),
            "adm_date": dates(cases.adm_sec // _DAY),
            "dscg_date": dates(cases.dscg_sec // _DAY),
            "atddr_no": pa.array(r.doctors.atddr_no[cases.doctor], pa.string()),
            "dept_code": pa.array(r.doctors.dept[cases.doctor], pa.string()),
            "setl_year": pa.array(np.full(len(cases.person), year, np.int32)),
            "medfee_sumamt": decimal_from_units(by_type.sum(axis=1)),
        }
        for j, t in enumerate(TYPES):
            cols[f"fee_{t}"] = decimal_from_units(by_type[:, j])
        return pa.table(cols)

    def _items(self, lines: Lines, amount: np.ndarray, mdtrt: pa.Array, person: np.ndarray, institution: np.ndarray,
               doctor: np.ndarray, sn: pa.Array) -> pa.Table:
        r, cat = self.r, self.r.catalog
        codes = pa.array(cat.code, pa.string())
        return pa.table({
            "mdtrt_id": mdtrt.take(pa.array(lines.visit)),
            "feedetl_sn": sn,
            "psn_no": self.psn_no.take(pa.array(person[lines.visit])),
            "fixmedins_code": pa.array(r.institutions.code, pa.string()).take(pa.array(institution[lines.visit])),
            "med_list_codg": take_strings(codes, lines.item),
            "list_type": take_strings(pa.array(cat.list_type, pa.string()), lines.item),
            "chrgitm_lv": take_strings(pa.array(cat.level, pa.string()), lines.item),
            "med_chrgitm_type": take_strings(pa.array(cat.item_type, pa.string()), lines.item),
            "pric": decimal_from_units(lines.price),
            "cnt": decimal_from_units(lines.count * 10_000, COUNT),
            "det_item_fee_sumamt": decimal_from_units(amount),
            "fee_ocur_time": timestamps(lines.time),
            "bilg_dr_codg": pa.array(r.doctors.atddr_no, pa.string()).take(pa.array(doctor[lines.visit])),
        })

    def _case_labels(self, cases: Cases, mdtrt: pa.Array, item_marks: list[tuple[str, np.ndarray, np.ndarray]], lines: Lines, sn: pa.Array,
                     person: np.ndarray, institution: np.ndarray, doctor: np.ndarray) -> pa.Table:
        r = self.r
        mdtrt_np = np.asarray(mdtrt.to_numpy(zero_copy_only=False), dtype=object)
        sn_np = np.asarray(sn.to_numpy(zero_copy_only=False), dtype=object)
        psn = np.asarray(self.psn_no.to_numpy(zero_copy_only=False), dtype=object)
        rows = np.flatnonzero(cases.kind > 0)
        kinds = np.array(CASE_KINDS)[cases.kind[rows]]
        related = np.where(cases.split_of[rows] >= 0, mdtrt_np[np.maximum(cases.split_of[rows], 0)], "")
        detail = np.where(kinds == "upcoding", np.where(cases.path[rows] != cases.true_path[rows], "richer_principal_dx", "added_mcc"), "")
        detail = np.where((kinds == "split_hospitalisation") & (cases.split_of[rows] < 0), "first_stay", np.where(kinds == "split_hospitalisation", "second_stay", detail))
        cols = {"kind": kinds, "level": np.full(len(rows), "case"), "mdtrt_id": mdtrt_np[rows], "psn_no": psn[cases.person[rows]],
                "fixmedins_code": r.institutions.code[cases.institution[rows]], "atddr_no": r.doctors.atddr_no[cases.doctor[rows]],
                "related_mdtrt_id": related, "detail": detail, "feedetl_sn": np.full(len(rows), "")}
        parts = [cols]
        for kind, visit_rows, line_rows in item_marks:
            parts.append({"kind": np.full(len(line_rows), kind), "level": np.full(len(line_rows), "item"),
                          "mdtrt_id": mdtrt_np[visit_rows], "feedetl_sn": sn_np[line_rows], "psn_no": psn[person[visit_rows]],
                          "fixmedins_code": r.institutions.code[institution[visit_rows]], "atddr_no": r.doctors.atddr_no[doctor[visit_rows]],
                          "related_mdtrt_id": np.full(len(line_rows), ""), "detail": r.catalog.code[lines.item[line_rows]]})
        merged = {f: np.concatenate([p[f].astype(object) for p in parts]) for f in _LABEL_FIELDS}
        return _labels(merged, len(merged["kind"]))

    def _local_labels(self, marks: list[tuple[str, str, np.ndarray, np.ndarray, object]], mdtrt: pa.Array, sn: pa.Array,
                      person: np.ndarray, institution: np.ndarray, doctor: np.ndarray) -> pa.Table:
        """Labels of the local kinds: item labels name their line, case labels only the visit."""
        r = self.r
        mdtrt_np = np.asarray(mdtrt.to_numpy(zero_copy_only=False), dtype=object)
        sn_np = np.asarray(sn.to_numpy(zero_copy_only=False), dtype=object)
        psn = np.asarray(self.psn_no.to_numpy(zero_copy_only=False), dtype=object)
        parts = []
        for kind, level, visit_rows, line_rows, detail in marks:
            n = len(visit_rows)
            parts.append({"kind": np.full(n, kind), "level": np.full(n, level), "mdtrt_id": mdtrt_np[visit_rows],
                          "feedetl_sn": np.where(line_rows >= 0, sn_np[np.maximum(line_rows, 0)], ""),
                          "psn_no": psn[person[visit_rows]], "fixmedins_code": r.institutions.code[institution[visit_rows]],
                          "atddr_no": r.doctors.atddr_no[doctor[visit_rows]], "related_mdtrt_id": np.full(n, ""),
                          "detail": np.broadcast_to(np.asarray(detail, dtype=object), (n,))})
        merged = {f: np.concatenate([p[f].astype(object) for p in parts]) for f in _LABEL_FIELDS}
        return _labels(merged, len(merged["kind"]))

    def _history(self, k: int) -> pa.Table:
        """Cases of year − k for the DIP/DRG 3-year baseline: no abuse, no claim lines."""
        cfg, r = self.cfg, self.r
        rng = _rng(cfg.seed, 2 + k, self.index)
        aged = dict(self.persons)
        aged["age"] = self.persons["age"] - k
        alive = aged["age"] >= 0
        aged = {key: v[alive] for key, v in aged.items()}
        cases = generate_cases(cfg, rng, aged, r.mix, r.institutions, r.doctors, year_start(cfg.year - k), abuse=False)
        cases.person = np.flatnonzero(alive)[cases.person]
        cases.cost_fen = np.rint(cases.cost_fen / (1 + cfg.cost_growth) ** k).astype(np.int64)
        lines = case_lines(cases, r.mix, r.catalog, rng, cfg.severity_cost_factor)
        amount = lines.price * lines.count
        by_type = np.zeros((len(cases.person), len(TYPES)), dtype=np.int64)
        np.add.at(by_type, (lines.visit, np.searchsorted(TYPES, r.catalog.item_type[lines.item])), amount)
        return self._case_table(cases, self._mdtrt(np.arange(len(cases.person)), cfg.year - k), by_type, cfg.year - k)


__all__ = ["Region", "generate_region"]
