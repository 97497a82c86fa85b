//! Waitwell kiosk agent.
