//! The email Partner Center sends a customer's primary contact after a partner attestation.

use chrono::{DateTime, Duration, Utc};

use crate::domain::agreements::Agreement;
use crate::domain::customers::Customer;
use crate::domain::outbox::OutboxMessage;
use crate::domain::partners::Partner;
use crate::domain::time::{later, render_timestamp};

pub fn attestation_notice(
    id: String,
    partner: &Partner,
    customer: &Customer,
    agreement: &Agreement,
    queued_at: DateTime<Utc>,
    delay: Duration,
) -> OutboxMessage {
    let contact = &agreement.contact;
    let subject =
        format!("{} confirmed that {} accepted the Microsoft Customer Agreement", partner.name, customer.company_name);
    let body = format!(
        "Dear {first} {last},\n\n\
         Your partner {partner} has confirmed to Microsoft that {company} accepted the Microsoft \
         Customer Agreement on {date} (template {template}).\n\n\
         The agreement was accepted by {first} {last} <{email}>. If you have questions about this \
         confirmation or the agreement, contact {partner}, your partner of record.\n\n\
         The agreement: https://aka.ms/customeragreement\n\n\
         Microsoft Partner Center\n",
        first = contact.first_name,
        last = contact.last_name,
        partner = partner.name,
        company = customer.company_name,
        date = render_timestamp(agreement.date_agreed),
        template = agreement.template_id,
        email = contact.email,
    );
    OutboxMessage {
        id,
        recipient: contact.email.clone(),
        subject,
        body,
        partner_tenant_id: partner.tenant_id.clone(),
        customer_id: customer.id.clone(),
        agreement_id: agreement.id.clone(),
        queued_at,
        deliver_at: later(queued_at, delay),
    }
}
