//! Retu's EPCIS repository service: SimpleEventQuery over the store ([`query`]) and the normal
//! forms shared by capture and query ([`normalize`]).

pub mod capture;
pub mod certificate;
pub mod county;
pub mod forms;
pub mod fsma204;
pub mod lineage;
pub mod lots;
pub mod master_data;
pub mod normalize;
pub mod query;
pub mod recall;
pub mod scans;
pub mod sheet;
