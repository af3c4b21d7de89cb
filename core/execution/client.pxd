from core.model.commands cimport CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from core.model.enums cimport AccountType, OmsType
from core.model.identifiers cimport AccountId, ClientId, Venue


cdef class ExecutionClient:
    cdef readonly ClientId id
    cdef readonly Venue venue
    cdef readonly AccountId account_id
    cdef readonly OmsType oms_type
    cdef readonly AccountType account_type

    cdef void submit_order(self, SubmitOrder command) except *
    cdef void modify_order(self, ModifyOrder command) except *
    cdef void cancel_order(self, CancelOrder command) except *
    cdef void cancel_all_orders(self, CancelAllOrders command) except *
