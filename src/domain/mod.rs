//! Pure rules of the programme, free of HTTP and SQL, each unit-tested beside its code.

pub mod id_number;
pub mod phone;
