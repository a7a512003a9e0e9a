"""The coordinator's routing rules (`GET`, `PUT /staff/routing-rules`): which agency a new report of a
category (and kecamatan) is suggested for, or assigned to (`auto_dispose`). Applying them to a new report
is `lapor.services.report_stream`; matching a rule is `lapor.domain.routing_rules`."""

from __future__ import annotations

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.errors import FieldProblem, InvalidInput
from lapor.domain.lifecycle import Role
from lapor.domain.routing_rules import RoutingRuleSet
from lapor.ports import RuleStore
from lapor.services.base import Service


class RoutingRulesAdmin(Service[RuleStore]):
    def rules(self, caller: StaffCaller) -> RoutingRuleSet:
        ensure_role(caller, Role.COORDINATOR)
        return RoutingRuleSet(rules=list(self._setup.get().routing_rules))

    def replace(self, caller: StaffCaller, body: RoutingRuleSet) -> RoutingRuleSet:
        """Replace the whole set; every rule must name a known category, an active agency and, if any, one of
        the city's kecamatan (else 422, nothing written)."""
        ensure_role(caller, Role.COORDINATOR)
        setup = self._setup.current()
        problems = [
            FieldProblem(f"rules.{i}.category", "unknown_category")
            for i, rule in enumerate(body.rules)
            if rule.category not in setup.categories
        ] + [
            FieldProblem(
                f"rules.{i}.agency_id",
                "unknown_agency" if rule.agency_id not in setup.agencies else "inactive_agency",
            )
            for i, rule in enumerate(body.rules)
            if rule.agency_id not in setup.agencies or not setup.agencies[rule.agency_id].active
        ]
        spelled = [
            setup.kecamatan_named(r.kecamatan) if r.kecamatan is not None else None for r in body.rules
        ]
        problems += [
            FieldProblem(f"rules.{i}.kecamatan", "unknown_kecamatan")
            for i, rule in enumerate(body.rules)
            if rule.kecamatan is not None and spelled[i] is None
        ]
        if problems:
            raise InvalidInput(problems)
        # As the city spells it, as reports store it: a rule matches a report's kecamatan exactly.
        rules = [
            r.model_copy(update={"kecamatan": k}) if k else r
            for r, k in zip(body.rules, spelled, strict=True)
        ]
        self._store.replace_routing_rules(setup.stored_rules or (), rules)
        self._setup.invalidate()
        return RoutingRuleSet(rules=rules)
