"""Every minute, each channel's live figures to the dashboard: contacts waiting (the backlog),
agents serving, the expected wait and the predicted service level. No single contact's change
says these, so they are read as GET /channels shows them and published as gauges."""

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from opencounter.channels.status import channel_status
from opencounter.edge.observability import NAMESPACE, observability

logger, _ = observability("channel-figures")

#: figure of GET /channels -> (metric name, unit)
GAUGES = {"waiting": ("ContactsWaiting", MetricUnit.Count), "agents": ("AgentsServing", MetricUnit.Count),
          "expected_wait_s": ("ExpectedWaitSeconds", MetricUnit.Seconds),
          "predicted_service_level": ("PredictedServiceLevel", MetricUnit.Percent)}


@logger.inject_lambda_context
def lambda_handler(event: dict, context: object) -> dict:
    published = []
    for entry in channel_status():
        if entry["kind"] == "visit":
            continue
        figures = {key: entry.get(key) for key in GAUGES}
        for key, value in figures.items():
            if value is None:  # closed, or no prediction for a backlog
                continue
            name, unit = GAUGES[key]
            with single_metric(name=name, unit=unit, value=value * 100 if unit == MetricUnit.Percent else value,
                               namespace=NAMESPACE, default_dimensions={"service": "channel-figures"}) as metric:
                metric.add_dimension(name="channel", value=entry["channel"])
        published.append({"channel": entry["channel"], "open_now": entry["open_now"], **figures})
    return {"channels": published}
