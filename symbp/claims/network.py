"""A concrete representative network for claims in layer notation (``--context backprop``).

Nielsen's equations (BP1–BP4) hold for *every* cost C and every layer l.  A
claim such as ``δ^l = ((W^{l+1})^T δ^{l+1}) ⊙ σ'(z^l)`` is checked on a
representative network built only from the layers the claim mentions:

* the lowest mentioned quantity is the free input (``a^{r}`` or ``z^{r}``);
  above it ``z^k = W^k a^{k-1} + b^k`` and ``a^k = σ(z^k)`` up to the top layer;
* the cost is a concrete, non-separable smooth function of the top activations
  with random coefficients ``u``, ``v``:
  ``C = Σ_j u_j a_j + (Σ_j v_j a_j)^2 + Σ_j a_j^3 / 3`` (any later layers are
  just some function of ``a^{top}``, so this loses no generality except being
  one particular function);
* ``δ^k := ∂C/∂z^k`` and every ``∂(…)/∂X`` are computed *entrywise* on the
  explicit matrices: ``X`` is cut out of the forward computation, replaced by
  fresh symbols, differentiated, and the forward value put back.

Layer sizes are distinct size symbols ``n_{l}``, ``n_{l+1}`` …, so a claim that
only holds when layers have equal width is caught, and a sum that cannot be
formed (a matrix plus a vector) is a shape conflict.
"""

from __future__ import annotations

import itertools

import mpmath
import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions.matexpr import MatrixElement

NETWORKS: dict[str, Network] = {}
_ids = itertools.count(1)
KINDS = ("a", "z", "b", "W", "delta")


class Logistic(sp.Function):
    """σ(x) = 1/(1+e^{−x}) kept as one atom: σ′ = σ(1 − σ) is its known derivative,
    and it evaluates numerically as 1/(1+e^{−x}).  Keeping σ opaque makes
    network instances rational in σ-atoms, so exact zero tests stay fast."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return Logistic(self.args[0]) * (1 - Logistic(self.args[0]))

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    _imp_ = staticmethod(lambda x: 1 / (1 + mpmath.exp(-x)))

    def _sympystr(self, printer):
        return f"σ({printer.doprint(self.args[0])})"

    def _latex(self, printer, exp=None):
        inner = rf"\sigma\left({printer.doprint(self.args[0])}\right)"
        return inner if exp is None else rf"{inner}^{{{exp}}}"


_sig = Logistic


class Network:
    def __init__(self, base: str, mentioned: set[tuple[str, int]], activation=_sig):
        self.id = f"net{next(_ids)}"
        NETWORKS[self.id] = self
        self.base = base
        self.layer_symbol = sp.Symbol(base, integer=True)
        self.activation = activation
        offsets = [o for _, o in mentioned] or [0]
        self.top = max(offsets)
        levels = []
        for kind, o in mentioned:
            levels.append({"a": 2 * o, "z": 2 * o - 1, "delta": 2 * o - 1}.get(kind, 2 * o - 2))
        low = min(levels) if levels else 2 * self.top
        self.root = ("a", low // 2) if low % 2 == 0 else ("z", (low + 1) // 2)
        first = self.root[1]
        self.offsets = list(range(first, self.top + 1))
        self.sizes = {o: sp.Symbol(f"n_{{{self.label_text(o)}}}", integer=True, positive=True)
                      for o in self.offsets}
        self._cut: dict = {}
        self._cache: dict = {}
        self.cost_expr = None  # a cost the claim defines (C = ½‖a^L − y‖²); else generic

    def set_cost(self, expr) -> None:
        """Use ``expr`` (in the network's quantities, e.g. a^L, and free symbols such as y)
        as the cost C instead of the generic one."""
        self.cost_expr = expr
        self._cache.clear()

    def _concrete_cost(self, v: dict, n: dict):
        from ..core.explicit import explicit

        e = self.cost_expr.xreplace({self.sizes[o]: sp.Integer(k) for o, k in n.items()})
        repl = {node: sp.ImmutableMatrix(v[(str(node.args[1]), int(node.args[2]))])
                for node in sp.preorder_traversal(e) if isinstance(node, NetMatrix)}
        return explicit(e.xreplace(repl))

    # -- naming ----------------------------------------------------------
    def label_text(self, o: int) -> str:
        return self.base if o == 0 else f"{self.base}{o:+d}"

    def size_tuple(self):
        return sp.Tuple(*[self.sizes[o] for o in self.offsets])

    def shape(self, kind: str, o: int):
        if o not in self.sizes or (kind in ("W", "b") and o == self.offsets[0]
                                   and self.root[0] == "z") or (kind == "W" and o - 1 not in
                                                                 self.sizes):
            raise KeyError(f"{kind}^{self.label_text(o)} is below the lowest layer of the claim")
        if kind == "W":
            return self.sizes[o], self.sizes[o - 1]
        return self.sizes[o], sp.Integer(1)

    def matrix(self, kind: str, o: int) -> NetMatrix:
        rows, cols = self.shape(kind, o)
        return NetMatrix(Str(self.id), Str(kind), sp.Integer(o), rows, cols, self.size_tuple())

    def cost(self) -> NetCost:
        return NetCost(Str(self.id), self.size_tuple())

    # -- the forward computation on explicit matrices --------------------
    def concrete(self, sizes_tuple) -> dict[int, int]:
        return {o: int(v) for o, v in zip(self.offsets, sizes_tuple)}

    def root_symbol(self, kind, o, n):
        name = {"delta": "delta"}.get(kind, kind)
        return sp.MatrixSymbol(f"{name}^{{{self.label_text(o)}}}", *self._dims(kind, o, n))

    def _dims(self, kind, o, n):
        return (n[o], n[o - 1]) if kind == "W" else (n[o], 1)

    def values(self, sizes_tuple) -> dict:
        """Explicit value of every quantity (a, z, W, b per layer, and C), honouring cuts."""
        n = self.concrete(sizes_tuple)
        cut = self._cut
        key = (tuple(n.items()), tuple((k, id(x)) for k, x in cut.items()))
        if key not in self._cache:
            self._cache[key] = (cut, self._values(n, cut))  # keep cut alive: ids stay unique
        return self._cache[key][1]

    def _values(self, n, cut) -> dict:
        v = {}

        def get(kind, o, default):
            key = (kind, o)
            if key in cut:
                return cut[key]
            return default() if callable(default) else default

        r_kind, r = self.root
        if r_kind == "a":
            v[("a", r)] = get("a", r, lambda: self.root_symbol("a", r, n).as_explicit())
        else:
            v[("z", r)] = get("z", r, lambda: self.root_symbol("z", r, n).as_explicit())
            v[("a", r)] = get("a", r, lambda: v[("z", r)].applyfunc(self.activation))
        for o in self.offsets:
            if o == r:
                continue
            v[("W", o)] = get("W", o, lambda o=o: self.root_symbol("W", o, n).as_explicit())
            v[("b", o)] = get("b", o, lambda o=o: self.root_symbol("b", o, n).as_explicit())
            v[("z", o)] = get("z", o, lambda o=o: v[("W", o)] * v[("a", o - 1)] + v[("b", o)])
            v[("a", o)] = get("a", o, lambda o=o: v[("z", o)].applyfunc(self.activation))
        top = v[("a", self.top)]
        u = sp.MatrixSymbol("u_C", n[self.top], 1).as_explicit()
        w = sp.MatrixSymbol("v_C", n[self.top], 1).as_explicit()
        lin = sum((u[i] * top[i] for i in range(top.rows)), sp.Integer(0))
        quad = sum((w[i] * top[i] for i in range(top.rows)), sp.Integer(0)) ** 2
        cube = sum((top[i] ** 3 for i in range(top.rows)), sp.Integer(0)) / 3
        v["C"] = lin + quad + cube
        if self.cost_expr is not None:
            v["C"] = self._concrete_cost(v, n)
        return v

    def value(self, kind, o, sizes_tuple):
        if kind == "delta":
            return self.gradient(NetCost(Str(self.id), sizes_tuple), ("z", o), sizes_tuple,
                                 lambda e: e)
        v = self.values(sizes_tuple)
        if (kind, o) not in v:
            raise ValueError(f"{kind}^{self.label_text(o)} is not part of the network")
        return v[(kind, o)]

    def gradient(self, f, key, sizes_tuple, explicit, entry=None):
        """[∂f/∂X_ij] with X = the quantity ``key``, entrywise on explicit matrices
        (only entry ``(i, j)`` when given).  Cached per instance."""
        cache_key = ("grad", f, key, tuple(sizes_tuple), entry,
                     tuple((k, id(x)) for k, x in self._cut.items()))
        if cache_key in self._cache:
            return self._cache[cache_key][1]
        x_val = self.values(sizes_tuple)[key]
        xi = sp.ImmutableMatrix(x_val.rows, x_val.cols,
                                lambda i, j: sp.Dummy(f"xi{i}{j}", real=True))
        saved = self._cut
        self._cut = {**saved, key: xi}
        try:
            from ..core.explicit import explicit as expl

            fx = expl(f)
        finally:
            self._cut = saved
        back = {xi[i, j]: x_val[i, j] for i in range(xi.rows) for j in range(xi.cols)}
        if isinstance(fx, sp.MatrixBase):
            if fx.cols != 1 or xi.cols != 1:
                raise ValueError("the derivative of a matrix by a matrix is not supported")
            # the Jacobian of a vector by a vector, numerator layout: [∂f_i/∂x_j]
            out = sp.ImmutableMatrix(fx.rows, xi.rows,
                                     lambda i, j: sp.diff(fx[i], xi[j]).xreplace(back))
        elif entry is not None:
            out = sp.diff(fx, xi[entry]).xreplace(back)
        else:
            out = sp.ImmutableMatrix(xi.rows, xi.cols,
                                     lambda i, j: sp.diff(fx, xi[i, j]).xreplace(back))
        self._cache[cache_key] = (self._cut, out)
        return out


class NetMatrix(sp.MatrixExpr):
    """A network quantity (a^k, z^k, W^k, b^k, δ^k) as a matrix expression."""

    is_commutative = False

    def __new__(cls, net, kind, offset, rows, cols, sizes):
        return sp.Basic.__new__(cls, net, kind, *map(sp.sympify, (offset, rows, cols, sizes)))

    @property
    def network(self) -> Network:
        return NETWORKS[str(self.args[0])]

    @property
    def qty(self) -> str:
        """Which quantity: 'a', 'z', 'b', 'W' or 'delta'."""
        return str(self.args[1])

    @property
    def offset(self) -> int:
        return int(self.args[2])

    @property
    def shape(self):
        return (self.args[3], self.args[4])

    def _entry(self, i, j, **kwargs):
        return MatrixElement(self, i, j)

    def _symbp_explicit(self, explicit):
        return self.network.value(self.qty, self.offset, self.args[5])

    def _sympystr(self, printer):
        name = "δ" if self.qty == "delta" else self.qty
        label = self.network.label_text(self.offset)
        return f"{name}^{label}" if len(label) == 1 else f"{name}^({label})"

    def _latex(self, printer):
        name = r"\delta" if self.qty == "delta" else self.qty
        return f"{name}^{{{self.network.label_text(self.offset)}}}"


class NetCost(sp.Expr):
    """The cost C of the representative network (a scalar)."""

    is_commutative = True
    is_real = True

    def __new__(cls, net, sizes):
        return sp.Basic.__new__(cls, net, sp.sympify(sizes))

    def _symbp_explicit(self, explicit):
        net = NETWORKS[str(self.args[0])]
        return net.values(self.args[1])["C"]

    def _sympystr(self, printer):
        return "C"

    def _latex(self, printer):
        return "C"


class NetDerivative(sp.Expr):
    """∂f/∂x where x is a network quantity or one entry of it (scalar-valued)."""

    is_commutative = True

    def __new__(cls, f, x):
        return sp.Basic.__new__(cls, f, x)

    def _symbp_explicit(self, explicit):
        f, x = self.args
        parent, i, j = x.parent, x.i, x.j
        net = parent.network
        return net.gradient(f, (parent.qty, parent.offset), parent.args[5], explicit,
                            entry=(int(i), int(j)))

    def _sympystr(self, printer):
        return f"∂({printer.doprint(self.args[0])})/∂({printer.doprint(self.args[1])})"


class DerivativeMatrix(sp.MatrixExpr):
    """∂f/∂x as a matrix of entries, written out only by :func:`symbp.core.explicit.explicit`
    (never by SymPy's own matrix calculus).  ``at``: when x stands in for a defined
    quantity (∂L/∂Y with Y = XW given), the derivative is taken by x's own entries, then
    evaluated at ``at`` (Y's definition)."""

    is_commutative = False

    def __new__(cls, f, x, at=None):
        return sp.Basic.__new__(cls, f, x) if at is None else sp.Basic.__new__(cls, f, x, at)

    def _entry(self, i, j, **kwargs):
        return MatrixElement(self, i, j)

    def _sympystr(self, printer):
        return f"∂({printer.doprint(self.args[0])})/∂({printer.doprint(self.args[1])})"


class NetGradient(DerivativeMatrix):
    """∂f/∂X for scalar f and a whole network matrix X (same shape as X)."""

    @property
    def shape(self):
        return self.args[1].shape

    def _symbp_explicit(self, explicit):
        f, x = self.args
        return x.network.gradient(f, (x.qty, x.offset), x.args[5], explicit)


class NetJacobian(NetGradient):
    """∂f/∂x for a vector f and a network vector x (∂z^{l+1}/∂z^l): the Jacobian in
    numerator layout, [∂f_i/∂x_j], of shape len(f) × len(x)."""

    @property
    def shape(self):
        return (self.args[0].shape[0], self.args[1].shape[0])


class Jacobian(DerivativeMatrix):
    """∂f/∂x for a vector f and a vector MatrixSymbol x: numerator layout [∂f_i/∂x_j]
    (len(f) × len(x))."""

    @property
    def shape(self):
        return (self.args[0].shape[0], self.args[1].shape[0])

    def _symbp_explicit(self, explicit):
        F, X = explicit(self.args[0]), explicit(self.args[1])
        jac = sp.ImmutableMatrix(F.rows, X.rows, lambda i, j: sp.diff(F[i, 0], X[j, 0]))
        return self._at(jac, X, explicit)

    def _at(self, m, X, explicit):
        """``m`` with x's entries replaced by those of ``at`` (when given)."""
        if len(self.args) < 3:
            return m
        at = explicit(self.args[2])
        point = {X[i, j]: at[i, j] for i in range(X.rows) for j in range(X.cols)}
        if m.has(sp.Derivative):
            # φ′(x∘) of an undefined φ is Derivative(φ(x∘), x∘): at x = Wv it must become
            # Subs(…, x∘, Wv), not a derivative by an expression (what xreplace would give)
            return m.subs(point, simultaneous=True)
        return m.xreplace(point)


class PatternVector(sp.MatrixExpr):
    """A column written [x_1; ⋮; x_n]: length n, entry r (from 0) given by ``rule(r)``
    (a Lambda of the row).  Written out once n is a number."""

    def __new__(cls, n, rule):
        return sp.Basic.__new__(cls, sp.sympify(n), rule)

    @property
    def shape(self):
        return (self.args[0], sp.Integer(1))

    def _entry(self, i, j, **kwargs):
        return self.args[1](i)

    def _symbp_explicit(self, explicit):
        n = self.args[0]
        if not n.is_Integer:
            raise ValueError("a column written with \\vdots needs a concrete length")
        return sp.ImmutableMatrix(int(n), 1, lambda r, c: explicit(self.args[1](r)))


def mentions_network(e) -> bool:
    return any(isinstance(n, (NetMatrix, NetCost)) for n in sp.preorder_traversal(e))


class NetSum(sp.Sum):
    """A sum over network entries (Σ_k w^l_{jk} a^{l-1}_k): written out term by term
    once its bounds are concrete, so each entry has an integer index."""

    def _symbp_explicit(self, explicit):
        f = self.function
        for var, lo, hi in reversed(self.limits):
            if not (lo.is_Integer and hi.is_Integer):
                raise ValueError("a sum over network entries needs concrete bounds")
            f = sp.Add(*[f.xreplace({var: sp.Integer(v)}) for v in range(int(lo), int(hi) + 1)])
        return explicit(f)


def _real_abs(e):
    """|u| as √(u²): matrix entries carry no 'real' assumption, so SymPy would
    differentiate Abs through re/im; for the real entries here both are the same."""
    return e.replace(sp.Abs, lambda a: sp.sqrt(a ** 2)) if e.has(sp.Abs) else e


class MatrixGradient(Jacobian):
    """∂f/∂X for a scalar f and a MatrixSymbol X: the matrix [∂f/∂X_ij], shaped like X."""

    @property
    def shape(self):
        return self.args[1].shape

    def _symbp_explicit(self, explicit):
        fx = _real_abs(explicit(self.args[0]))
        X = explicit(self.args[1])
        grad = sp.ImmutableMatrix(X.rows, X.cols, lambda i, j: sp.diff(fx, X[i, j]))
        return self._at(grad, X, explicit)

