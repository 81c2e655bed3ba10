//! Retu's EPCIS repository service: SimpleEventQuery over the store ([`query`]) and the normal
//! forms shared by capture and query ([`normalize`]).

pub mod capture;
pub mod normalize;
pub mod query;
