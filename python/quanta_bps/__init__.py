"""quanta as a ctrl_bps workflow system: ``wmsServiceClass: quanta_bps.QuantaService``.

``bps submit`` turns bps's GenericWorkflow into a quanta ``workflow.json`` in the submit dir
and runs it with the ``quanta`` command line; ``bps restart``, ``bps report`` and
``bps cancel`` map to ``quanta restore``, ``quanta status``/the journal and ``quanta cancel``.
See docs/bps-plugin.md.
"""

from .job import job_argv, job_to_quanta
from .service import QuantaService
from .workflow import QuantaWorkflow, workflow_to_quanta

__all__ = ("QuantaService", "QuantaWorkflow", "job_argv", "job_to_quanta", "workflow_to_quanta")
