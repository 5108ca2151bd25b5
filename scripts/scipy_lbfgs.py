#!/usr/bin/env python3
"""The SciPy figure that gn.optim.lbfgs is compared with (docs/optimizers.md, test/optim.lbfgs.test.ts).

Runs scipy.optimize.minimize(method="L-BFGS-B") on 2-D Rosenbrock from (-1.2, 1) with the exact
gradient and prints the function evaluations (nfev; each evaluates f and its gradient), the
iterations (nit) and the final gradient norm: once with SciPy's defaults, once with the stop rule
set to a gradient below 1e-8 (gtol 1e-10 on the projected gradient's largest component, ftol 0).

    /usr/bin/python3 scripts/scipy_lbfgs.py      # Debian's python3-scipy
"""
import numpy as np
import scipy
from scipy.optimize import minimize, rosen, rosen_der

print(f"scipy {scipy.__version__}, L-BFGS-B (memory 10) on 2-D Rosenbrock from (-1.2, 1)")
for label, options in [("defaults", {}), ("to |grad| < 1e-8", {"gtol": 1e-10, "ftol": 0.0})]:
    r = minimize(rosen, np.array([-1.2, 1.0]), jac=rosen_der, method="L-BFGS-B", options=options)
    print(f"{label:>18}: nfev {r.nfev}, nit {r.nit}, |grad| {np.linalg.norm(rosen_der(r.x)):.3g}, f {r.fun:.3g}")
