"""Appointments (/appointments/slots, /appointments/pickup-points, /me/appointments,
/agent/customers/{customer_id}/appointments):
the 30-minute windows a visit or a delivery can be planned in, and the pick-up points a parcel
can go to instead; a customer plans, moves and cancels their own visits and deliveries (sending a
parcel elsewhere) until 24 hours before; staff do so on a customer's behalf until the window starts."""

from opencounter.appointments.service import (
    appointments_of,
    available_slots,
    cancel_appointment,
    change_appointment,
    own_appointment,
    pickup_points,
    plan_appointment,
)
from opencounter.customers.views import load_profile
from opencounter.edge.http import caller, json_body, me, query_text, rest_api
from opencounter.edge.idempotency import idempotency_key
from opencounter.edge.observability import observability

logger, metrics = observability("appointments")
app = rest_api(logger)


@app.get("/appointments/slots")
def get_slots() -> dict:
    return available_slots(query_text(app, "postcode"), query_text(app, "kind", "identifier"),
                           query_text(app, "from", "identifier"))


@app.get("/appointments/pickup-points")
def get_pickup_points() -> dict:
    return pickup_points(query_text(app, "postcode"))


@app.get("/me/appointments")
def get_appointments() -> dict:
    return appointments_of(me(app))


@app.post("/me/appointments")
def post_appointment() -> tuple[dict, int]:
    appointment = plan_appointment(me(app), json_body(app), actor=caller(app).actor, channel="web",
                                   key=idempotency_key(app))
    metrics.add_metric(name="AppointmentPlanned", unit="Count", value=1)
    return appointment, 201


@app.patch("/me/appointments/<appointment_id>")
def patch_appointment(appointment_id: str) -> dict:
    appointment = own_appointment(me(app), appointment_id)  # theirs, before the body is read
    changed = change_appointment(appointment, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="AppointmentChanged", unit="Count", value=1)
    return changed


@app.delete("/me/appointments/<appointment_id>")
def delete_appointment(appointment_id: str) -> dict:
    cancelled = cancel_appointment(own_appointment(me(app), appointment_id), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="AppointmentCancelled", unit="Count", value=1)
    return cancelled


@app.get("/agent/customers/<customer_id>/appointments")
def get_customer_appointments(customer_id: str) -> dict:
    return appointments_of(customer_id, staff=True)


@app.post("/agent/customers/<customer_id>/appointments")
def post_customer_appointment(customer_id: str) -> tuple[dict, int]:
    load_profile(customer_id)  # a customer, before the body is read
    appointment = plan_appointment(customer_id, json_body(app), actor=caller(app).actor, channel="agent",
                                   key=idempotency_key(app))
    metrics.add_metric(name="AppointmentPlanned", unit="Count", value=1)
    return appointment, 201


@app.patch("/agent/customers/<customer_id>/appointments/<appointment_id>")
def patch_customer_appointment(customer_id: str, appointment_id: str) -> dict:
    appointment = own_appointment(customer_id, appointment_id)
    changed = change_appointment(appointment, json_body(app), actor=caller(app).actor, channel="agent", staff=True)
    metrics.add_metric(name="AppointmentChanged", unit="Count", value=1)
    return changed


@app.delete("/agent/customers/<customer_id>/appointments/<appointment_id>")
def delete_customer_appointment(customer_id: str, appointment_id: str) -> dict:
    cancelled = cancel_appointment(own_appointment(customer_id, appointment_id), actor=caller(app).actor,
                                   channel="agent", staff=True)
    metrics.add_metric(name="AppointmentCancelled", unit="Count", value=1)
    return cancelled


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
