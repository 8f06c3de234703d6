"""ratecheck.reports: figures (matplotlib) and an HTML report rendered from `Report` objects, and the GD/SGD
regime map. Every figure function returns a matplotlib Figure whose lines carry labels, so notebooks and
tests can read the data behind it.

    trajectory_figure(result)        observed error vs k under the bound, worst example highlighted
    ratio_histogram(results)         how tight the theory is in practice (observed/bound over all examples)
    counterexample_figure(ce)        a failure's trajectory against the bound, breaking step marked
    regime_figure(points)            the (n, eps) plane: predicted crossover and measured winners
    write_html(reports, directory)   index.html + PNG figures
"""

from .figures import counterexample_figure, ratio_histogram, trajectory_figure
from .html import write_html
from .regime import measure_regimes, regime_figure

__all__ = ["counterexample_figure", "measure_regimes", "ratio_histogram", "regime_figure", "trajectory_figure",
           "write_html"]
