"""`ExecutionClient`: the ExecutionEngine's link to one venue.

Subclasses (the backtest client, live adapters) implement the four command methods and report
the venue's answers back to the ExecutionEngine as order events.
"""

from core.model.commands cimport CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from core.model.enums cimport AccountType, OmsType
from core.model.identifiers cimport AccountId, ClientId, Venue


cdef class ExecutionClient:
    """Base of execution clients.

    Parameters
    ----------
    client_id : ClientId
    venue : Venue
    account_id : AccountId
    oms_type : OmsType
    account_type : AccountType
    """

    def __init__(self, ClientId client_id not None, Venue venue not None,
                 AccountId account_id not None, oms_type, account_type):
        self.id = client_id
        self.venue = venue
        self.account_id = account_id
        self.oms_type = <OmsType><int>oms_type
        self.account_type = <AccountType><int>account_type

    cdef void submit_order(self, SubmitOrder command) except *:
        raise NotImplementedError(f"{type(self).__name__} must implement submit_order")

    cdef void modify_order(self, ModifyOrder command) except *:
        raise NotImplementedError(f"{type(self).__name__} must implement modify_order")

    cdef void cancel_order(self, CancelOrder command) except *:
        raise NotImplementedError(f"{type(self).__name__} must implement cancel_order")

    cdef void cancel_all_orders(self, CancelAllOrders command) except *:
        raise NotImplementedError(f"{type(self).__name__} must implement cancel_all_orders")

    def __repr__(self):
        return f"{type(self).__name__}(id={self.id}, venue={self.venue}, account={self.account_id})"
