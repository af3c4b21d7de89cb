from core.model.enums import BarAggregation as BarAggregation
